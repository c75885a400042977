//! What roles without access to personal data may ask of it through segments. A preview is an
//! oracle: `traits.email starts_with "ja"`, one letter at a time, spells out a masked address.
//! So for those roles a rule may test a personal field (PII or restricted, at any depth, and
//! computed traits that copy values) only for presence (`exists`, `missing`, `is_empty`),
//! never by comparing its value, and previews never report a group smaller than [`K_FLOOR`].
use super::{SegmentEngine, store::not_found};
use crate::{
    error::AppError,
    segment::{EventCondition, Rule, ValueTest},
    server::privacy::classes::Classes,
};
use mongodb::bson::oid::ObjectId;
use std::collections::BTreeSet;

/// The smallest number of people a preview reports (or samples) exactly to roles without access
/// to personal data; nearer 0 or the total than this, it says "fewer than" instead.
pub const K_FLOOR: u64 = 5;

/// The personal fields of the workspace, as rules name them.
#[derive(Debug, Clone, Default)]
pub struct PiiGuard {
    classes: Classes,
    personal_computed: BTreeSet<String>,
}

impl SegmentEngine {
    /// Refuses `rule` if it compares a personal field's value and the viewer may not read
    /// personal data; the error names the test's place in the rule (`rule.rules[0].test`).
    pub async fn check_personal(&self, rule: &Rule, read_pii: bool) -> Result<(), AppError> {
        if read_pii {
            return Ok(());
        }
        self.pii_guard().await?.check(rule, "rule")
    }

    /// [`SegmentEngine::check_personal`] for the rules of two stored segments (an overlap); the
    /// error names `first` or `second`.
    pub async fn check_personal_pair(
        &self,
        pair: [(&str, ObjectId); 2],
        read_pii: bool,
    ) -> Result<(), AppError> {
        if read_pii {
            return Ok(());
        }
        let guard = self.pii_guard().await?;
        for (field, id) in pair {
            let segment = self.segments.get(id).await?.ok_or_else(|| not_found(id))?;
            if let Some(rule) = &segment.rule {
                guard.check(rule, field)?;
            }
        }
        Ok(())
    }

    async fn pii_guard(&self) -> Result<PiiGuard, AppError> {
        let classes = self.graph.gate.classes.current().await?;
        let personal_computed = classes.personal_computed(&self.db).await?;
        Ok(PiiGuard {
            classes,
            personal_computed,
        })
    }
}

impl PiiGuard {
    /// Refuses the first test in `rule` that compares a personal field's value; `at` is the
    /// rule's place in the request.
    pub fn check(&self, rule: &Rule, at: &str) -> Result<(), AppError> {
        match rule {
            Rule::Group { rules, .. } => rules
                .iter()
                .enumerate()
                .try_for_each(|(i, r)| self.check(r, &format!("{at}.rules[{i}]"))),
            Rule::Trait { path, test } => {
                allow(self.classes.is_personal_path(path), path, test, at)
            }
            Rule::Computed { name, test } => {
                let personal =
                    self.personal_computed.contains(name) || self.classes.is_personal_path(name);
                allow(personal, name, test, at)
            }
            Rule::Event(condition) => self.check_filters(condition, at),
            _ => Ok(()),
        }
    }

    fn check_filters(&self, condition: &EventCondition, at: &str) -> Result<(), AppError> {
        condition.filters.iter().enumerate().try_for_each(|(i, f)| {
            let place = format!("{at}.filters[{i}]");
            allow(
                self.classes.is_personal_path(&f.path),
                &f.path,
                &f.test,
                &place,
            )
        })
    }
}

/// Whether `test` asks only whether a value is there, never what it is.
pub fn presence_only(test: &ValueTest) -> bool {
    matches!(
        test,
        ValueTest::Exists | ValueTest::Missing | ValueTest::IsEmpty
    )
}

fn allow(personal: bool, field: &str, test: &ValueTest, at: &str) -> Result<(), AppError> {
    if !personal || presence_only(test) {
        return Ok(());
    }
    Err(AppError::denied(
        &format!("{at}.test"),
        format!(
            "{field} is personal data: without access to personal data a rule may only test \
             whether it is set (exists, does not exist, is empty)"
        ),
    ))
}
