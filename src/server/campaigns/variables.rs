//! What templates can use: the variables the editor offers to insert (the profile's own fields,
//! then traits from the field catalog and computed traits), and warnings for variables a
//! template uses that nobody has (a misspelt trait renders empty, silently).
use super::{CampaignService, templates};
use crate::{
    error::AppError,
    model::{
        campaign::{EditorOptions, TemplateVariable, Variant},
        field::{FieldClass, top_level_key},
    },
    server::db::computed_traits::ComputedTraits,
};
use std::collections::BTreeSet;

/// The profile fields every template sees, with what they hold.
pub const PROFILE_FIELDS: [(&str, &str); 5] = [
    (
        "first_name",
        "First name (the firstName trait, else the name's first word)",
    ),
    ("name", "Full name"),
    ("email", "Email address"),
    ("phone", "Phone number"),
    ("id", "Profile id"),
];

/// Top-level names in a template's context besides `profile`, `traits` and `computed`.
const OTHER_ROOTS: [&str; 4] = ["event", "campaign", "unsubscribe_url", "recommendations"];

/// Trait keys and computed trait names customers have, restricted traits apart.
struct Known {
    traits: BTreeSet<String>,
    restricted: BTreeSet<String>,
    computed: BTreeSet<String>,
}

impl CampaignService {
    async fn known(&self) -> Result<Known, AppError> {
        let classes = self.graph.gate.classes.current().await?;
        let mut known = Known {
            traits: BTreeSet::new(),
            restricted: BTreeSet::new(),
            computed: BTreeSet::new(),
        };
        for field in self.graph.fields.list().await? {
            let Some(path) = field.path.strip_prefix("traits.") else {
                continue;
            };
            let key = top_level_key(path).to_owned();
            if classes.of(&key) == FieldClass::Restricted {
                known.restricted.insert(key);
            } else {
                known.traits.insert(path.to_owned());
                known.traits.insert(key);
            }
        }
        for definition in ComputedTraits::new(&self.db).definitions().await? {
            known.computed.insert(definition.name);
        }
        Ok(known)
    }

    /// The variables the editor offers, profile fields first.
    pub async fn editor_options(&self) -> Result<EditorOptions, AppError> {
        let known = self.known().await?;
        let var = |path: String, label: &str| TemplateVariable {
            path,
            label: label.to_owned(),
        };
        let mut variables: Vec<TemplateVariable> = PROFILE_FIELDS
            .iter()
            .map(|(key, label)| var(format!("profile.{key}"), label))
            .collect();
        variables.extend(
            known
                .traits
                .iter()
                .map(|t| var(format!("traits.{t}"), "Trait")),
        );
        variables.extend(
            known
                .computed
                .iter()
                .map(|c| var(format!("computed.{c}"), "Computed trait")),
        );
        variables.push(var("campaign.name".into(), "This campaign's name"));
        variables.push(var(
            "event.properties.total".into(),
            "The triggering event's properties (triggered sends only)",
        ));
        Ok(EditorOptions { variables })
    }

    /// Every variable `variants` use that no customer has, in words.
    pub async fn unknown_variables(&self, variants: &[Variant]) -> Result<Vec<String>, AppError> {
        let known = self.known().await?;
        let env = templates::environment();
        let globals: BTreeSet<&str> = env.globals().map(|(name, _)| name).collect();
        let mut out = Vec::new();
        for variant in variants {
            for (part, source) in [("subject", &variant.subject), ("body", &variant.body)] {
                let Ok(template) = env.template_from_str(source) else {
                    continue;
                };
                let used: BTreeSet<String> =
                    template.undeclared_variables(true).into_iter().collect();
                for path in used {
                    let root = path.split('.').next().unwrap_or_default();
                    if globals.contains(root) {
                        continue;
                    }
                    if let Some(problem) = problem(&known, &path) {
                        let place = format!("Variant {} {part}", variant.key);
                        out.push(format!("{place}: {{{{ {path} }}}} {problem}"));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// What is wrong with `path`, if anything.
fn problem(known: &Known, path: &str) -> Option<String> {
    let (root, rest) = path.split_once('.').unwrap_or((path, ""));
    let key = rest.split('.').next().unwrap_or_default();
    match root {
        "profile" if !PROFILE_FIELDS.iter().any(|(k, _)| *k == key) && !key.is_empty() => {
            let names: Vec<&str> = PROFILE_FIELDS.iter().map(|(k, _)| *k).collect();
            Some(format!(
                "is not a profile field (there are {})",
                names.join(", ")
            ))
        }
        "traits" if known.restricted.contains(key) => {
            Some("is a restricted trait: it never reaches a message and renders empty".into())
        }
        "traits" if !key.is_empty() && !known.traits.contains(key) => Some(format!(
            "is a trait no customer has: it renders empty (check the spelling){}",
            suggestion(known, key)
        )),
        "computed" if !key.is_empty() && !known.computed.contains(key) => {
            Some("is not a computed trait: it renders empty".into())
        }
        "profile" | "traits" | "computed" => None,
        other if OTHER_ROOTS.contains(&other) => None,
        _ => Some("is not a variable templates know: it renders empty".into()),
    }
}

/// `; did you mean traits.firstName?` for a key that differs only in case or `_`.
fn suggestion(known: &Known, key: &str) -> String {
    let plain = |s: &str| s.replace('_', "").to_lowercase();
    known
        .traits
        .iter()
        .find(|t| !t.contains('.') && plain(t) == plain(key))
        .map(|t| format!("; did you mean traits.{t}?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            traits: ["firstName", "plan"].map(str::to_owned).into(),
            restricted: ["ssn".to_owned()].into(),
            computed: ["lifetime_value".to_owned()].into(),
        }
    }

    #[test]
    fn unknown_variables_are_named_and_known_ones_pass() {
        let k = known();
        let fine = [
            "profile.first_name",
            "traits.plan",
            "computed.lifetime_value",
            "event.properties.total",
            "traits",
        ];
        for path in fine {
            assert_eq!(problem(&k, path), None, "{path}");
        }
        assert!(
            problem(&k, "traits.first_name")
                .unwrap()
                .contains("did you mean traits.firstName?")
        );
        assert!(problem(&k, "traits.ssn").unwrap().contains("restricted"));
        assert!(
            problem(&k, "profile.nickname")
                .unwrap()
                .contains("not a profile field")
        );
        assert!(
            problem(&k, "customer.name")
                .unwrap()
                .contains("not a variable")
        );
    }
}
