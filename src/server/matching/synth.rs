//! Realistic duplicate records with the truth kept aside, for the matching benchmark, the
//! tests and the demo data. Each original person may have 1–5 copies as other systems hold
//! them: other field layouts (a CRM with given and family names, a web shop with one name
//! field, a legacy system writing "FAMILY Given" and day-first dates), typos, OCR confusions,
//! nicknames, swapped day and month, missing fields, initials, a move. People who are *not*
//! duplicates but look alike are made on purpose: relatives sharing a family name, address and
//! home phone, twins sharing a birth date, namesakes sharing a name.
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use std::collections::BTreeMap;

/// One generated record.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthRecord {
    /// The person it describes (the truth).
    pub person: u32,
    /// The system it came from (`crm`, `shop`, `legacy`, `insurer`).
    pub source: &'static str,
    /// Trait path → value (`firstName`, `address.city`, …).
    pub fields: BTreeMap<&'static str, String>,
}

const GIVEN: &[&str] = &[
    "Minjun",
    "Seojun",
    "Doyun",
    "Jiho",
    "Jiwoo",
    "Haeun",
    "Seoyeon",
    "Jiwon",
    "Minseo",
    "Yejin",
    "Hyunwoo",
    "Jihoon",
    "Sunghoon",
    "Eunji",
    "Soyeon",
    "Jisoo",
    "Dongha",
    "Yuna",
    "William",
    "Robert",
    "Elizabeth",
    "Katherine",
    "James",
    "John",
    "Michael",
    "Christopher",
    "Jennifer",
    "Patricia",
    "Thomas",
    "Daniel",
    "Margaret",
    "Susan",
    "Joseph",
    "Anthony",
    "Rebecca",
    "Samuel",
    "Stephen",
    "Victoria",
    "Ana",
    "Joao",
    "Maria",
    "Francisco",
    "Manuel",
    "Teresa",
    "Pedro",
    "Carlos",
    "Sofia",
    "Lucia",
    "Miguel",
    "Beatriz",
    "Ines",
    "Rui",
];
/// Family names with how common each is (a few very common, as in Korea).
const FAMILY: &[(&str, u32)] = &[
    ("Kim", 40),
    ("Lee", 30),
    ("Park", 18),
    ("Choi", 10),
    ("Jung", 9),
    ("Kang", 5),
    ("Cho", 5),
    ("Yoon", 5),
    ("Jang", 4),
    ("Lim", 4),
    ("Han", 3),
    ("Shin", 3),
    ("Seo", 3),
    ("Kwon", 3),
    ("Hwang", 3),
    ("Ahn", 2),
    ("Song", 2),
    ("Ryu", 2),
    ("Hong", 2),
    ("Smith", 6),
    ("Johnson", 4),
    ("Williams", 4),
    ("Brown", 3),
    ("Jones", 3),
    ("Garcia", 3),
    ("Miller", 2),
    ("Davis", 2),
    ("Wilson", 2),
    ("Taylor", 2),
    ("Silva", 6),
    ("Santos", 5),
    ("Ferreira", 3),
    ("Pereira", 3),
    ("Oliveira", 3),
    ("Costa", 3),
    ("Rodrigues", 3),
    ("Martins", 2),
    ("Sousa", 2),
    ("Fernandes", 2),
    ("Goncalves", 2),
    ("Almeida", 1),
];
const NICKNAMES: &[(&str, &str)] = &[
    ("William", "Bill"),
    ("Robert", "Bob"),
    ("Elizabeth", "Liz"),
    ("Katherine", "Kate"),
    ("James", "Jim"),
    ("John", "Jack"),
    ("Michael", "Mike"),
    ("Christopher", "Chris"),
    ("Jennifer", "Jenny"),
    ("Patricia", "Pat"),
    ("Thomas", "Tom"),
    ("Daniel", "Dan"),
    ("Margaret", "Peggy"),
    ("Susan", "Sue"),
    ("Joseph", "Joe"),
    ("Anthony", "Tony"),
    ("Rebecca", "Becky"),
    ("Samuel", "Sam"),
    ("Stephen", "Steve"),
    ("Victoria", "Vicky"),
    ("Francisco", "Paco"),
    ("Joao", "John"),
    ("Manuel", "Manny"),
    ("Maria", "Mary"),
];
const STREETS: &[&str] = &[
    "Seoul-ro",
    "Teheran-ro",
    "Gangnam-daero",
    "Sejong-daero",
    "Eulji-ro",
    "Toegye-ro",
    "Hangang-daero",
    "Dosan-daero",
    "Main Street",
    "High Street",
    "Oak Avenue",
    "Park Road",
    "Maple Drive",
    "Church Lane",
    "Station Road",
    "Mill Street",
    "Rua Augusta",
    "Rua do Ouro",
    "Avenida da Liberdade",
    "Rua Garrett",
    "Rua de Santa Catarina",
    "Avenida dos Aliados",
];
const CITIES: &[&str] = &[
    "Seoul",
    "Busan",
    "Incheon",
    "Daegu",
    "Daejeon",
    "Gwangju",
    "Suwon",
    "Ulsan",
    "Lisbon",
    "Porto",
    "Braga",
    "Coimbra",
    "London",
    "Manchester",
    "Boston",
    "Chicago",
];
const DOMAINS: &[&str] = &["example.com", "mail.test", "inbox.test", "post.test"];

/// One person as they really are.
#[derive(Debug, Clone)]
struct Person {
    given: String,
    family: String,
    birth: (u16, u8, u8),
    street: String,
    postcode: String,
    city: String,
    phone: String,
    email: String,
    policy: String,
}

/// `count` records (originals, their copies and look-alikes), the same for the same `seed`.
pub fn generate(count: usize, seed: u64) -> Vec<SynthRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut records = Vec::with_capacity(count + 8);
    let mut next_person = 0u32;
    while records.len() < count {
        let person = new_person(&mut rng);
        let id = next_person;
        next_person += 1;
        records.push(record_of(
            &person,
            id,
            pick_source(&mut rng),
            &mut rng,
            false,
        ));
        if rng.random_bool(0.5) {
            let copies = *[1, 1, 1, 2, 2, 3, 4, 5].choose(&mut rng).unwrap_or(&1);
            for _ in 0..copies {
                records.push(record_of(
                    &person,
                    id,
                    pick_source(&mut rng),
                    &mut rng,
                    true,
                ));
            }
        }
        if let Some(other) = look_alike(&person, &mut rng) {
            records.push(record_of(
                &other,
                next_person,
                pick_source(&mut rng),
                &mut rng,
                false,
            ));
            next_person += 1;
        }
    }
    records.truncate(count);
    records
}

fn new_person(rng: &mut StdRng) -> Person {
    let given = GIVEN.choose(rng).unwrap_or(&"Ana").to_string();
    let family = pick_family(rng);
    let email = format!(
        "{}.{}{}@{}",
        given.to_lowercase(),
        family.to_lowercase(),
        rng.random_range(1..999),
        DOMAINS.choose(rng).unwrap_or(&"example.com")
    );
    let (street, postcode, city) = new_address(rng);
    Person {
        given,
        family,
        birth: (
            rng.random_range(1940..2007),
            rng.random_range(1..13),
            rng.random_range(1..29),
        ),
        street,
        postcode,
        city,
        phone: format!(
            "+82 10 {:04} {:04}",
            rng.random_range(2000..10000),
            rng.random_range(0..10000)
        ),
        email,
        policy: format!("P{:08}", rng.random_range(0..100_000_000)),
    }
}

fn pick_family(rng: &mut StdRng) -> String {
    let total: u32 = FAMILY.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (name, weight) in FAMILY {
        if roll < *weight {
            return (*name).to_owned();
        }
        roll -= weight;
    }
    "Kim".to_owned()
}

fn new_address(rng: &mut StdRng) -> (String, String, String) {
    (
        format!(
            "{} {}",
            rng.random_range(1..300),
            STREETS.choose(rng).unwrap_or(&"Main Street")
        ),
        format!("{:05}", rng.random_range(1000..99999)),
        CITIES.choose(rng).unwrap_or(&"Seoul").to_string(),
    )
}

fn pick_source(rng: &mut StdRng) -> &'static str {
    ["crm", "crm", "shop", "legacy", "insurer"]
        .choose(rng)
        .copied()
        .unwrap_or("crm")
}

/// Sometimes a different person who looks like `person`: a relative at the same address, a
/// twin, or a namesake elsewhere.
fn look_alike(person: &Person, rng: &mut StdRng) -> Option<Person> {
    let roll = rng.random_range(0..100);
    let mut other = new_person(rng);
    match roll {
        0..=7 => {
            other.family = person.family.clone();
            (other.street, other.postcode, other.city) = (
                person.street.clone(),
                person.postcode.clone(),
                person.city.clone(),
            );
            if rng.random_bool(0.3) {
                other.phone = person.phone.clone();
            }
        }
        8 => {
            other.family = person.family.clone();
            other.birth = person.birth;
            (other.street, other.postcode, other.city) = (
                person.street.clone(),
                person.postcode.clone(),
                person.city.clone(),
            );
        }
        9..=10 => {
            other.given = person.given.clone();
            other.family = person.family.clone();
            if rng.random_bool(0.3) {
                other.birth.0 = person.birth.0;
            }
        }
        _ => return None,
    }
    (other.given != person.given || other.birth != person.birth || roll >= 9).then_some(other)
}

/// The fields a system holds for `person`, in its layout; a copy (`corrupt`) also carries the
/// mistakes records collect.
fn record_of(
    person: &Person,
    id: u32,
    source: &'static str,
    rng: &mut StdRng,
    corrupt: bool,
) -> SynthRecord {
    let mut person = person.clone();
    let mut dropped: Vec<&str> = Vec::new();
    let rounds = if corrupt {
        *[1, 1, 2, 2, 3].choose(rng).unwrap_or(&1)
    } else {
        0
    };
    let mut typos = 0;
    for _ in 0..rounds {
        match rng.random_range(0..10) {
            0 => person.given = nickname(&person.given, rng),
            1 if person.birth.2 <= 12 => {
                person.birth = (person.birth.0, person.birth.2, person.birth.1)
            }
            2 => person.birth = date_typo(person.birth, rng),
            3 => (person.street, person.postcode, person.city) = new_address(rng),
            4 => dropped
                .push(["email", "phone", "birthday", "address.street"][rng.random_range(0..4)]),
            5 => person.given = format!("{}.", &person.given[..1]),
            6 => person.given = hyphenate(&person.given),
            7 => person.phone = transpose_digits(&person.phone, rng),
            8 => {
                person.email = format!(
                    "{}{}@{}",
                    person.given.to_lowercase(),
                    rng.random_range(1..99),
                    DOMAINS.choose(rng).unwrap_or(&"example.com")
                )
            }
            _ => typos += 1,
        }
    }
    let mut fields = layout(&person, source, rng);
    for path in dropped {
        fields.remove(path);
    }
    for _ in 0..typos {
        let keys: Vec<&'static str> = fields.keys().copied().collect();
        if let Some(key) = keys.choose(rng)
            && let Some(value) = fields.get_mut(key)
        {
            *value = if rng.random_bool(0.5) {
                typo(value, rng)
            } else {
                ocr(value, rng)
            };
        }
    }
    SynthRecord {
        person: id,
        source,
        fields,
    }
}

fn layout(p: &Person, source: &str, rng: &mut StdRng) -> BTreeMap<&'static str, String> {
    let (y, m, d) = p.birth;
    let mut f = BTreeMap::new();
    f.insert("address.street", p.street.clone());
    f.insert("address.postalCode", p.postcode.clone());
    f.insert("address.city", p.city.clone());
    match source {
        "shop" => {
            f.insert("name", format!("{} {}", p.given, p.family));
            f.insert("email", p.email.clone());
            f.insert("phone", p.phone.clone());
            if rng.random_bool(0.5) {
                f.insert("birthday", format!("{y:04}-{m:02}-{d:02}"));
            }
        }
        "legacy" => {
            f.insert("name", format!("{} {}", p.family.to_uppercase(), p.given));
            f.insert("birthday", format!("{d:02}.{m:02}.{y:04}"));
            f.insert(
                "phone",
                p.phone.replace("+82 10 ", "010-").replace(' ', "-"),
            );
        }
        "insurer" => {
            f.insert("firstName", p.given.clone());
            f.insert("lastName", p.family.clone());
            f.insert("birthday", format!("{y:04}/{m:02}/{d:02}"));
            f.insert("policyNumber", p.policy.clone());
            if rng.random_bool(0.5) {
                f.insert("phone", p.phone.clone());
            }
        }
        _ => {
            f.insert("firstName", p.given.clone());
            f.insert("lastName", p.family.clone());
            f.insert("birthday", format!("{y:04}-{m:02}-{d:02}"));
            f.insert("phone", p.phone.clone());
            f.insert("email", p.email.clone());
        }
    }
    f
}

fn nickname(given: &str, rng: &mut StdRng) -> String {
    let known: Vec<&(&str, &str)> = NICKNAMES.iter().filter(|(n, _)| *n == given).collect();
    match known.choose(rng) {
        Some((_, nick)) => (*nick).to_owned(),
        None => hyphenate(given),
    }
}

/// "Minjun" → "Min-jun" (romanised Korean names are written both ways).
fn hyphenate(given: &str) -> String {
    let cut = given.len() / 2;
    if given.len() >= 5 && given.is_char_boundary(cut) && !given.contains('-') {
        format!("{}-{}", &given[..cut], given[cut..].to_lowercase())
    } else {
        given.to_owned()
    }
}

fn date_typo((y, m, d): (u16, u8, u8), rng: &mut StdRng) -> (u16, u8, u8) {
    match rng.random_range(0..3) {
        0 => (y, m, if d >= 20 { d - 10 } else { d + 10 }),
        1 => (y + 1 - 2 * u16::from(y % 2 == 0), m, d),
        _ => (y, if m >= 10 { m - 9 } else { m + 1 }, d),
    }
}

fn transpose_digits(phone: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = phone.chars().collect();
    let spots: Vec<usize> = (7..chars.len().saturating_sub(1))
        .filter(|&i| chars[i].is_ascii_digit() && chars[i + 1].is_ascii_digit())
        .collect();
    if let Some(&i) = spots.choose(rng) {
        chars.swap(i, i + 1);
    }
    chars.into_iter().collect()
}

/// One keyboard slip: a letter replaced, dropped, doubled or swapped with the next.
fn typo(text: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.len() < 4 {
        return text.to_owned();
    }
    let i = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..4) {
        0 => {
            chars[i] = *['a', 'e', 'i', 'o', 'n', 's', 'r']
                .choose(rng)
                .unwrap_or(&'e')
        }
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, chars[i]),
        _ => chars.swap(i, i + 1),
    }
    chars.into_iter().collect()
}

/// One scanning confusion (o/0, l/1, rn/m, …), when the text has a character to confuse.
fn ocr(text: &str, rng: &mut StdRng) -> String {
    const CONFUSED: [(&str, &str); 10] = [
        ("o", "0"),
        ("0", "o"),
        ("l", "1"),
        ("1", "l"),
        ("rn", "m"),
        ("m", "rn"),
        ("s", "5"),
        ("5", "s"),
        ("e", "c"),
        ("B", "8"),
    ];
    let options: Vec<&(&str, &str)> = CONFUSED
        .iter()
        .filter(|(from, _)| text.contains(from))
        .collect();
    match options.choose(rng) {
        Some((from, to)) => text.replacen(from, to, 1),
        None => typo(text, rng),
    }
}
