//! Given names that are one name: nicknames and short forms (Bill = William), and spellings
//! of one name across languages and romanisations (Jose = Joseph, Minjun = Min-jun is handled
//! by folding). A name may belong to several groups (Chris: Christopher, Christine).
use std::{collections::HashMap, sync::OnceLock};

/// Each line is one group of names that may stand for each other.
const GROUPS: &[&str] = &[
    "william bill billy will willy liam wim",
    "robert bob bobby rob robbie bert",
    "richard dick rick ricky rich richie",
    "elizabeth liz lizzie beth betty bette eliza elisabeth isabel lisa libby",
    "margaret maggie meg peggy marge margarita greta rita",
    "katherine catherine kathryn kate katie kathy cathy kat kitty katarina caterina",
    "james jim jimmy jamie diego jaime",
    "john jack johnny jon juan joao giovanni jan hans ivan sean",
    "michael mike mick mickey micky miguel michel",
    "christopher chris kit topher cristobal",
    "christine christina chris tina kristina kirsten",
    "alexander alex alexandre alejandro sasha sandy xander",
    "alexandra alex sandra sasha alexa",
    "anthony tony antonio antoine anton",
    "daniel dan danny dani",
    "david dave davey davide",
    "edward ed eddie ted teddy eduardo",
    "joseph joe joey jose giuseppe josef pepe",
    "thomas tom tommy tomas",
    "charles charlie chuck carlos carl karl",
    "jennifer jen jenny",
    "patricia pat patty trish tricia",
    "patrick pat paddy",
    "susan sue susie suzanne",
    "rebecca becky becca",
    "deborah debbie deb debra",
    "joshua josh",
    "matthew matt matty mateus mateo",
    "andrew andy drew andre andres andreas",
    "nicholas nick nicky nicolas nicola klaus",
    "benjamin ben benny benji",
    "samuel sam sammy",
    "samantha sam sammy",
    "jonathan jon jonny",
    "stephen steven steve stevie esteban stefan",
    "stephanie steph stefanie",
    "timothy tim timmy",
    "kenneth ken kenny",
    "ronald ron ronnie",
    "donald don donny",
    "gregory greg",
    "jeffrey jeff geoffrey",
    "lawrence larry laurence",
    "gerald jerry gerry",
    "raymond ray",
    "frederick fred freddie freddy federico",
    "henry hank harry enrique henri",
    "harold harry hal",
    "peter pete pedro pierre",
    "philip phil phillip felipe",
    "victoria vicky tori",
    "jessica jess jessie",
    "natalie nat natalia",
    "abigail abby abbie",
    "francisco paco pancho frank francis",
    "francesca fran frances fanny",
    "manuel manny emanuel emmanuel",
    "maria mary marie mia",
    "ana anna ann anne annie",
    "teresa theresa tess tessa",
    "susana susanna",
    "eugene gene",
    "albert al bert alberto",
    "walter walt",
    "leonard leo len lenny leonardo",
    "louis lou luis luigi ludwig",
    "vincent vince vinny vincenzo",
    "zachary zach zack",
];

fn index() -> &'static HashMap<&'static str, Vec<u16>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<u16>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<&'static str, Vec<u16>> = HashMap::new();
        for (group, names) in GROUPS.iter().enumerate() {
            for name in names.split(' ') {
                index.entry(name).or_default().push(group as u16);
            }
        }
        index
    })
}

/// The groups `name` (folded, compact) belongs to, sorted.
pub fn groups_of(name: &str) -> Vec<u16> {
    index().get(name).cloned().unwrap_or_default()
}

/// Whether two names' groups meet.
pub fn share_group(a: &[u16], b: &[u16]) -> bool {
    a.iter().any(|g| b.contains(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_meet_and_strangers_do_not() {
        assert!(share_group(&groups_of("bill"), &groups_of("william")));
        assert!(share_group(&groups_of("chris"), &groups_of("christine")));
        assert!(share_group(&groups_of("chris"), &groups_of("christopher")));
        assert!(!share_group(
            &groups_of("christine"),
            &groups_of("christopher")
        ));
        assert!(!share_group(&groups_of("bill"), &groups_of("robert")));
        assert!(groups_of("zzz").is_empty());
    }
}
