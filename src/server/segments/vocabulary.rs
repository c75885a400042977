//! What segment rules may refer to, read from the field catalog, event names, computed trait
//! definitions and existing segments: the allow-list every path in a rule must be on.
use crate::{
    error::AppError,
    model::{
        computed::{Aggregate, ComputedTraitDef},
        consent::PURPOSES,
        segment::SegmentStatus,
    },
    segment::validate::Vocabulary,
    server::{
        db::{computed_traits::ComputedTraits, segments::Segments},
        identity::{IdentityGraph, identifiers::IdentityKind},
    },
};

/// Identifier kinds rules may test for.
pub const IDENTITY_KINDS: [IdentityKind; 5] = [
    IdentityKind::UserId,
    IdentityKind::External,
    IdentityKind::Email,
    IdentityKind::Phone,
    IdentityKind::AnonymousId,
];

/// Everything rules over `graph`'s database may name right now.
pub async fn vocabulary(graph: &IdentityGraph, counter_days: u32) -> Result<Vocabulary, AppError> {
    let mut vocabulary = Vocabulary {
        purposes: PURPOSES.iter().map(|p| (*p).to_owned()).collect(),
        identity_kinds: IDENTITY_KINDS
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        counter_days,
        events_days: graph.events_kept_days().await?,
        ..Vocabulary::default()
    };
    for field in graph.fields.list().await? {
        match (field.scope.as_str(), field.event) {
            ("trait", _) => {
                vocabulary.traits.insert(field.path, field.types);
            }
            ("property", Some(event)) => {
                vocabulary
                    .events
                    .entry(event)
                    .or_default()
                    .insert(field.path, field.types);
            }
            _ => {}
        }
    }
    for name in graph.fields.events.all().await? {
        vocabulary.events.entry(name.name).or_default();
    }
    for definition in ComputedTraits::new(&graph.db).definitions().await? {
        let types = computed_types(&definition);
        vocabulary.computed.insert(definition.name, types);
    }
    for segment in Segments::new(&graph.db).all().await? {
        if segment.status == SegmentStatus::Active {
            vocabulary.segments.insert(segment.id.to_hex());
        }
    }
    Ok(vocabulary)
}

/// The types a computed trait's values can have.
pub fn computed_types(definition: &ComputedTraitDef) -> Vec<String> {
    let types: &[&str] = match definition.aggregate {
        Aggregate::Count
        | Aggregate::Sum
        | Aggregate::Min
        | Aggregate::Max
        | Aggregate::UniqueCount => &["number"],
        Aggregate::First | Aggregate::Last if definition.property.is_none() => &["date"],
        _ => &["string", "number", "boolean", "date"],
    };
    types.iter().map(|t| (*t).to_owned()).collect()
}
