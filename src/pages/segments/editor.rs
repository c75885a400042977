//! The visual rule editor's state: the rule in one signal (so undo is a stack of rules), and a
//! draft (the rule with what is being typed right now) that the live preview follows.
use crate::segment::{Rule, draft::rule_at};
use leptos::prelude::*;

/// Edits the rule through `change`, remembering the previous one for undo.
#[derive(Clone, Copy)]
pub struct Editing {
    /// The rule being edited.
    pub rule: RwSignal<Rule>,
    /// Earlier rules, newest last.
    pub undo: RwSignal<Vec<Rule>>,
    /// The rule with the input being typed in applied (what the preview counts).
    pub draft: RwSignal<Rule>,
}

impl Editing {
    /// Editing `rule`.
    pub fn new(rule: Rule) -> Self {
        Self {
            draft: RwSignal::new(rule.clone()),
            rule: RwSignal::new(rule),
            undo: RwSignal::new(Vec::new()),
        }
    }

    /// Applies `edit` to the rule at `path`.
    pub fn change(self, path: &[usize], edit: impl FnOnce(&mut Rule)) {
        let before = self.rule.get_untracked();
        let after = edited(&before, path, edit);
        if after != before {
            self.undo.update(|u| u.push(before));
            self.draft.set(after.clone());
            self.rule.set(after);
        }
    }

    /// Applies `edit` to the draft only: the tree keeps its inputs (and focus) while typing.
    pub fn type_in(self, path: &[usize], edit: impl FnOnce(&mut Rule)) {
        let after = edited(&self.rule.get_untracked(), path, edit);
        self.draft.set(after);
    }

    /// Applies `edit` now (`commit`) or only to the draft.
    pub fn apply(self, commit: bool, path: &[usize], edit: impl FnOnce(&mut Rule)) {
        if commit {
            self.change(path, edit)
        } else {
            self.type_in(path, edit)
        }
    }

    /// Goes back to the previous rule.
    pub fn undo(self) {
        if let Some(previous) = self.undo.try_update(|u| u.pop()).flatten() {
            self.draft.set(previous.clone());
            self.rule.set(previous);
        }
    }
}

fn edited(rule: &Rule, path: &[usize], edit: impl FnOnce(&mut Rule)) -> Rule {
    let mut after = rule.clone();
    if let Some(target) = rule_at(&mut after, path) {
        edit(target);
    }
    after
}
