//! A record as matching sees it: the compared attributes' prepared values, in a canonical
//! attribute order so a score never depends on the order the settings list them in.
use super::compare::{self, NameValue, Value};
use crate::model::matching::{AttributeKind, MatchAttribute};

/// The compared attributes, in canonical order (kind, then path). A full name is compared on
/// its own only when no given or family name is: otherwise it fills them where they are
/// missing (first word the given name, the rest the family name; the comparison tries both
/// orders), so one name is not counted twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// What is compared, in order.
    pub compared: Vec<MatchAttribute>,
    /// Full names that fill in given and family names.
    pub name_fillers: Vec<String>,
    /// Index of the given name in `compared`.
    pub given: Option<usize>,
    /// Index of the family name in `compared`.
    pub family: Option<usize>,
    /// What the model weighs, in canonical order: each compared attribute, except that
    /// address, postcode and city make one [`AttributeKind::Location`] comparison (their paths
    /// joined by ` + `), with the indexes in `compared` each is made of.
    pub comparisons: Vec<(MatchAttribute, Vec<usize>)>,
}

const LOCATION_KINDS: [AttributeKind; 3] = [
    AttributeKind::Address,
    AttributeKind::Postcode,
    AttributeKind::City,
];

fn comparisons_of(compared: &[MatchAttribute]) -> Vec<(MatchAttribute, Vec<usize>)> {
    let mut out: Vec<(MatchAttribute, Vec<usize>)> = compared
        .iter()
        .enumerate()
        .filter(|(_, a)| !LOCATION_KINDS.contains(&a.kind))
        .map(|(i, a)| (a.clone(), vec![i]))
        .collect();
    let members: Vec<usize> = (0..compared.len())
        .filter(|&i| LOCATION_KINDS.contains(&compared[i].kind))
        .collect();
    if !members.is_empty() {
        let paths: Vec<&str> = members.iter().map(|&i| compared[i].path.as_str()).collect();
        out.push((
            MatchAttribute::new(&paths.join(" + "), AttributeKind::Location),
            members,
        ));
    }
    out.sort_by(|a, b| (a.0.kind, &a.0.path).cmp(&(b.0.kind, &b.0.path)));
    out
}

/// One level for where two records live, from their address, postcode and city levels.
fn location_level(members: &[(AttributeKind, Option<u8>)]) -> Option<u8> {
    let of = |kind| {
        members
            .iter()
            .filter(|(k, _)| *k == kind)
            .filter_map(|(_, l)| *l)
            .max()
    };
    let (street, postcode, city) = (
        of(AttributeKind::Address),
        of(AttributeKind::Postcode),
        of(AttributeKind::City),
    );
    if street.is_none() && postcode.is_none() && city.is_none() {
        return None;
    }
    let differs = |l: Option<u8>| l == Some(0);
    let level = if street == Some(2) && !differs(postcode) && !differs(city) {
        4
    } else if postcode == Some(2) && !differs(street) && !differs(city) {
        3
    } else if street == Some(2)
        || postcode == Some(2)
        || (street == Some(1) && !differs(city))
        || (postcode == Some(1) && city == Some(2))
    {
        2
    } else {
        u8::from(city == Some(2) || postcode == Some(1))
    };
    Some(level)
}

impl Plan {
    /// The plan for `attributes`.
    pub fn new(attributes: &[MatchAttribute]) -> Self {
        let has_parts = attributes
            .iter()
            .any(|a| matches!(a.kind, AttributeKind::GivenName | AttributeKind::FamilyName));
        let mut compared: Vec<MatchAttribute> = attributes
            .iter()
            .filter(|a| !(has_parts && a.kind == AttributeKind::FullName))
            .cloned()
            .collect();
        compared.sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
        compared.dedup();
        let name_fillers = attributes
            .iter()
            .filter(|a| has_parts && a.kind == AttributeKind::FullName)
            .map(|a| a.path.clone())
            .collect();
        let find = |kind| compared.iter().position(|a| a.kind == kind);
        Self {
            given: find(AttributeKind::GivenName),
            family: find(AttributeKind::FamilyName),
            comparisons: comparisons_of(&compared),
            compared,
            name_fillers,
        }
    }

    /// Every path a record's values are read from (compared and fillers).
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.compared.iter().map(|a| a.path.clone()).collect();
        paths.extend(self.name_fillers.iter().cloned());
        paths
    }

    /// A record from its raw values: `read(path)` gives the texts held at a path.
    pub fn record(&self, read: impl Fn(&str) -> Vec<String>) -> Record {
        let mut values: Vec<Vec<Value>> = self
            .compared
            .iter()
            .map(|a| {
                read(&a.path)
                    .iter()
                    .filter_map(|t| compare::prepare(a.kind, t))
                    .collect()
            })
            .collect();
        self.fill_names(&mut values, &read);
        Record { values }
    }

    fn fill_names(&self, values: &mut [Vec<Value>], read: &impl Fn(&str) -> Vec<String>) {
        let missing =
            |i: Option<usize>, values: &[Vec<Value>]| i.is_some_and(|i| values[i].is_empty());
        if !missing(self.given, values) && !missing(self.family, values) {
            return;
        }
        let Some(words) = self.name_fillers.iter().find_map(|path| {
            read(path)
                .iter()
                .map(|t| super::normalize::name_words(t))
                .find(|w| !w.is_empty())
        }) else {
            return;
        };
        let (first, rest) = (&words[0], words[1..].concat());
        for (index, text) in [(self.given, first.as_str()), (self.family, rest.as_str())] {
            if let Some(i) = index.filter(|&i| values[i].is_empty())
                && let Some(name) = NameValue::new(text)
            {
                values[i].push(Value::Name(name));
            }
        }
    }

    /// The attributes the model weighs, in order (see [`Self::comparisons`]).
    pub fn model_attributes(&self) -> Vec<MatchAttribute> {
        self.comparisons.iter().map(|(a, _)| a.clone()).collect()
    }

    /// The level of each comparison for records `a` and `b` (`None`: missing on a side).
    pub fn compare(&self, a: &Record, b: &Record) -> Vec<Option<u8>> {
        let levels = self.attribute_levels(a, b);
        self.comparisons
            .iter()
            .map(|(attr, members)| match attr.kind {
                AttributeKind::Location => {
                    let parts: Vec<(AttributeKind, Option<u8>)> = members
                        .iter()
                        .map(|&i| (self.compared[i].kind, levels[i]))
                        .collect();
                    location_level(&parts)
                }
                _ => levels[members[0]],
            })
            .collect()
    }

    /// The level of each compared attribute for records `a` and `b` (`None`: missing). Given
    /// and family names are also compared crosswise, and the better reading is kept
    /// ("Kim Min-jun" is "Minjun Kim").
    pub fn attribute_levels(&self, a: &Record, b: &Record) -> Vec<Option<u8>> {
        let mut levels: Vec<Option<u8>> = self
            .compared
            .iter()
            .zip(a.values.iter().zip(&b.values))
            .map(|(attr, (x, y))| compare::best_level(attr.kind, x, y).map(|l| l as u8))
            .collect();
        if let (Some(g), Some(f)) = (self.given, self.family) {
            let (ga, fa, gb, fb) = (&a.values[g], &a.values[f], &b.values[g], &b.values[f]);
            // Both crossings must agree at a level for it to count, which keeps it symmetric.
            let both = |kind| {
                let one = compare::best_level(kind, ga, fb)?;
                let other = compare::best_level(kind, fa, gb)?;
                Some(one.min(other))
            };
            let crossed = [
                both(AttributeKind::GivenName),
                both(AttributeKind::FamilyName),
            ];
            let total = |l: [Option<usize>; 2]| l.iter().flatten().sum::<usize>();
            let straight = [levels[g].map(usize::from), levels[f].map(usize::from)];
            if crossed.iter().all(Option::is_some) && total(crossed) > total(straight) {
                levels[g] = crossed[0].map(|l| l as u8);
                levels[f] = crossed[1].map(|l| l as u8);
            }
        }
        levels
    }
}

/// One record's prepared values, one list per compared attribute of its [`Plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Values per compared attribute (empty: missing).
    pub values: Vec<Vec<Value>>,
}
