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
    /// joined by ` + `), and a phone is weighed apart at the same address and elsewhere (see
    /// [`Context`]); with the indexes in `compared` each is made of.
    pub comparisons: Vec<Comparison>,
}

/// One thing the model weighs.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// What it is called and how it is compared.
    pub attribute: MatchAttribute,
    /// The indexes in [`Plan::compared`] it is made of.
    pub members: Vec<usize>,
    /// Which pairs it applies to.
    pub context: Context,
}

/// Which pairs a comparison applies to. People of one household share a home phone, so at
/// the same address a shared phone says little, and elsewhere it says a lot; weighed as one,
/// the household was counted twice (its address and its phone) and relatives scored as one
/// person (measured with `make benchmatching`: precision 0.98 with one phone weight, 0.999
/// with two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Every pair.
    Any,
    /// Pairs living at the same address or postcode.
    SameAddress,
    /// Pairs living apart, or whose address is unknown.
    Elsewhere,
}

/// What a phone comparison's name ends with, per context.
const SAME_ADDRESS: &str = " (same address)";
const ELSEWHERE: &str = " (elsewhere)";

/// The trait paths a comparison named `name` reads: a location's parts joined by ` + `, a
/// phone's without its context (`phone (same address)` reads `phone`).
pub fn source_paths(name: &str) -> Vec<&str> {
    let bare = [SAME_ADDRESS, ELSEWHERE]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name);
    bare.split(" + ").collect()
}

/// Whether the comparison named `name` applies to a pair that does (`together`) or does not
/// live at one address: the other context's phone reading would only read "missing".
pub fn applies(name: &str, together: bool) -> bool {
    if name.ends_with(SAME_ADDRESS) {
        together
    } else if name.ends_with(ELSEWHERE) {
        !together
    } else {
        true
    }
}

/// The location levels that count as living together (same postcode, same address).
const TOGETHER_FROM: u8 = 3;

/// Whether a location level (by its name, as pairs store it) counts as living together.
pub fn lives_together(location_level: Option<&str>) -> bool {
    location_level
        .and_then(|name| {
            AttributeKind::Location
                .levels()
                .iter()
                .position(|l| *l == name)
        })
        .is_some_and(|l| l >= usize::from(TOGETHER_FROM))
}

const LOCATION_KINDS: [AttributeKind; 3] = [
    AttributeKind::Address,
    AttributeKind::Postcode,
    AttributeKind::City,
];

fn comparisons_of(compared: &[MatchAttribute]) -> Vec<Comparison> {
    let located = compared.iter().any(|a| LOCATION_KINDS.contains(&a.kind));
    let mut out: Vec<Comparison> = Vec::new();
    for (i, a) in compared.iter().enumerate() {
        if LOCATION_KINDS.contains(&a.kind) {
            continue;
        }
        let contexts: &[(Context, &str)] = if located && a.kind == AttributeKind::Phone {
            &[
                (Context::SameAddress, SAME_ADDRESS),
                (Context::Elsewhere, ELSEWHERE),
            ]
        } else {
            &[(Context::Any, "")]
        };
        for (context, suffix) in contexts {
            out.push(Comparison {
                attribute: MatchAttribute::new(&format!("{}{suffix}", a.path), a.kind),
                members: vec![i],
                context: *context,
            });
        }
    }
    let members: Vec<usize> = (0..compared.len())
        .filter(|&i| LOCATION_KINDS.contains(&compared[i].kind))
        .collect();
    if !members.is_empty() {
        let paths: Vec<&str> = members.iter().map(|&i| compared[i].path.as_str()).collect();
        out.push(Comparison {
            attribute: MatchAttribute::new(&paths.join(" + "), AttributeKind::Location),
            members,
            context: Context::Any,
        });
    }
    out.sort_by(|a, b| {
        (a.attribute.kind, &a.attribute.path).cmp(&(b.attribute.kind, &b.attribute.path))
    });
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
        let Some((given, family)) = self.name_fillers.iter().find_map(|path| {
            read(path)
                .iter()
                .find_map(|t| super::normalize::name_parts(t))
        }) else {
            return;
        };
        for (index, text) in [(self.given, given.as_str()), (self.family, family.as_str())] {
            if let Some(i) = index.filter(|&i| values[i].is_empty())
                && let Some(name) = NameValue::new(text)
            {
                values[i].push(Value::Name(name));
            }
        }
    }

    /// The attributes the model weighs, in order (see [`Self::comparisons`]).
    pub fn model_attributes(&self) -> Vec<MatchAttribute> {
        self.comparisons
            .iter()
            .map(|c| c.attribute.clone())
            .collect()
    }

    /// The level of each comparison for records `a` and `b` (`None`: missing on a side, or
    /// the comparison does not apply to the pair).
    pub fn compare(&self, a: &Record, b: &Record) -> Vec<Option<u8>> {
        let levels = self.attribute_levels(a, b);
        let location = self
            .comparisons
            .iter()
            .find(|c| c.attribute.kind == AttributeKind::Location)
            .and_then(|c| {
                let parts: Vec<(AttributeKind, Option<u8>)> = c
                    .members
                    .iter()
                    .map(|&i| (self.compared[i].kind, levels[i]))
                    .collect();
                location_level(&parts)
            });
        let together = location.is_some_and(|l| l >= TOGETHER_FROM);
        self.comparisons
            .iter()
            .map(|c| match (c.attribute.kind, c.context) {
                (AttributeKind::Location, _) => location,
                (_, Context::SameAddress) if !together => None,
                (_, Context::Elsewhere) if together => None,
                _ => levels[c.members[0]],
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
            // Either record may have its names the other way round; the reading with more
            // agreement wins, ties going to the larger levels, so the result does not depend
            // on which record is `a`.
            let reading = |given: (&[Value], &[Value]), family: (&[Value], &[Value])| {
                let g = compare::best_level(AttributeKind::GivenName, given.0, given.1);
                let f = compare::best_level(AttributeKind::FamilyName, family.0, family.1);
                (
                    g.unwrap_or(0) + f.unwrap_or(0),
                    g.is_some() && f.is_some(),
                    [g, f],
                )
            };
            let a_reversed = reading((fa, gb), (ga, fb));
            let b_reversed = reading((ga, fb), (fa, gb));
            let crossed = a_reversed.max(b_reversed);
            let straight = [levels[g].map(usize::from), levels[f].map(usize::from)];
            let straight_total = straight.iter().flatten().sum::<usize>();
            if crossed.1 && crossed.0 > straight_total {
                levels[g] = crossed.2[0].map(|l| l as u8);
                levels[f] = crossed.2[1].map(|l| l as u8);
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
