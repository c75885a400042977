//! The Settings → Matching form: one field per kind listing the trait paths compared that way
//! (comma-separated; empty: not compared), and the two thresholds in percent. Parsed and
//! validated here, so the page and the server agree and it round-trips exactly.
use super::matching::{
    ATTRIBUTE_KINDS, AttributeKind, MAX_ATTRIBUTES, MatchAttribute, MatchSettings,
};
use crate::error::{AppError, FieldErrors, rule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The form as sent: kind (`given_name`, …) → paths, and the thresholds in percent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchSettingsForm {
    /// Paths per kind, by the kind's stored name.
    #[serde(default)]
    pub paths: BTreeMap<String, String>,
    /// Review threshold, percent.
    pub review_at: String,
    /// Auto-merge threshold, percent.
    pub auto_merge_at: String,
}

/// A probability as the form shows it, in percent with at most four decimals.
pub fn percent(probability: f64) -> String {
    let text = format!("{:.4}", probability * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl MatchSettingsForm {
    /// The form showing `settings`.
    pub fn of(settings: &MatchSettings) -> Self {
        let mut paths: BTreeMap<String, String> = BTreeMap::new();
        for kind in ATTRIBUTE_KINDS {
            let listed: Vec<&str> = settings
                .attributes
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| a.path.as_str())
                .collect();
            paths.insert(kind.as_str().to_owned(), listed.join(", "));
        }
        Self {
            paths,
            review_at: percent(settings.review_at),
            auto_merge_at: percent(settings.auto_merge_at),
        }
    }

    /// The settings, or every problem beside its field.
    pub fn parse(&self) -> Result<MatchSettings, AppError> {
        let mut errors = FieldErrors::new();
        let mut attributes = Vec::new();
        let mut seen: BTreeMap<String, AttributeKind> = BTreeMap::new();
        for kind in ATTRIBUTE_KINDS {
            let field = kind.as_str();
            let text = self
                .paths
                .get(kind.as_str())
                .map(String::as_str)
                .unwrap_or("");
            for path in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if !valid_path(path) {
                    errors.add(field, format!("{} path \"{path}\" must be letters, digits and _ in dot-separated parts", kind.label()));
                } else if let Some(other) = seen.insert(path.to_owned(), kind) {
                    errors.add(
                        field,
                        format!("\"{path}\" is already compared as {}", other.label()),
                    );
                } else {
                    attributes.push(MatchAttribute::new(path, kind));
                }
            }
        }
        if attributes.len() < 2 {
            errors.add(
                "given_name",
                "Compare at least two attributes: one alone cannot tell people apart",
            );
        } else if attributes.len() > MAX_ATTRIBUTES {
            errors.add(
                "given_name",
                format!("Compare at most {MAX_ATTRIBUTES} attributes"),
            );
        }
        let review = threshold(
            &mut errors,
            "review_at",
            "Review threshold",
            &self.review_at,
        );
        let auto = threshold(
            &mut errors,
            "auto_merge_at",
            "Auto-merge threshold",
            &self.auto_merge_at,
        );
        if let (Some(review), Some(auto)) = (review, auto)
            && review >= auto
        {
            errors.add(
                "auto_merge_at",
                "Auto-merge threshold must be above the review threshold",
            );
        }
        errors.finish()?;
        Ok(MatchSettings {
            attributes,
            review_at: review.unwrap_or_default(),
            auto_merge_at: auto.unwrap_or_default(),
        })
    }
}

fn valid_path(path: &str) -> bool {
    path.len() <= 100
        && path.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A percentage between 1 and 99.9999, as a probability.
fn threshold(errors: &mut FieldErrors, field: &str, label: &str, text: &str) -> Option<f64> {
    let text = text.trim().trim_end_matches('%').trim();
    if text.is_empty() {
        errors.add(field, rule::required(label));
        return None;
    }
    match text.parse::<f64>() {
        // Four decimals of a percent at most, so 99.9 is stored as 0.999 exactly.
        Ok(p) if (1.0..=99.9999).contains(&p) => Some((p * 10_000.0).round() / 1_000_000.0),
        Ok(_) => {
            errors.add(field, format!("{label} must be between 1 and 99.9999 %"));
            None
        }
        Err(_) => {
            errors.add(field, format!("{label} must be a number (a percentage)"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_round_trip_through_the_form() {
        let settings = MatchSettings::default();
        let form = MatchSettingsForm::of(&settings);
        let back = form.parse().unwrap();
        assert_eq!(MatchSettingsForm::of(&back), form);
        let sorted = |s: &MatchSettings| {
            let mut a = s.attributes.clone();
            a.sort_by(|x, y| (x.kind, &x.path).cmp(&(y.kind, &y.path)));
            a
        };
        assert_eq!(sorted(&back), sorted(&settings));
        assert_eq!(back.review_at, settings.review_at);
        assert_eq!(back.auto_merge_at, settings.auto_merge_at);
        assert_eq!(percent(0.999), "99.9");
        assert_eq!(percent(0.5), "50");
    }

    #[test]
    fn bad_input_is_refused_beside_its_field() {
        let mut form = MatchSettingsForm::of(&MatchSettings::default());
        form.paths
            .insert("city".into(), "address.city, bad path!".into());
        form.paths
            .insert("postcode".into(), "address.street".into());
        form.review_at = "abc".into();
        form.auto_merge_at = "100".into();
        let errors = form.parse().unwrap_err().field_errors();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"city"), "{fields:?}");
        assert!(fields.contains(&"postcode"), "{fields:?}");
        assert!(fields.contains(&"review_at"));
        assert!(fields.contains(&"auto_merge_at"));
        form = MatchSettingsForm::of(&MatchSettings::default());
        form.review_at = "99.95".into();
        let errors = form.parse().unwrap_err().field_errors();
        assert!(
            errors
                .iter()
                .any(|e| e.field == "auto_merge_at" && e.message.contains("above"))
        );
    }
}
