use super::*;
use serde_json::json;

fn invalid(source: &str) -> String {
    match check(&environment(), "variants[0].body", source) {
        Err(AppError::Invalid { field, message }) => {
            assert_eq!(field, "variants[0].body");
            message
        }
        other => panic!("{source:?} was accepted: {other:?}"),
    }
}

fn rendered(source: &str, context: &serde_json::Value) -> Result<String, Failure> {
    render_message(&environment(), "body", source, context)
}

#[test]
fn errors_give_line_and_column() {
    let message = invalid("Hello {{ traits.name }}\nYour {{ order.total | money(\"EUR\") }\n");
    assert!(message.starts_with("line 2, column "), "{message}");
    let message = invalid("Hi {{ traits.name | shout }}");
    assert!(message.starts_with("line 1, column "), "{message}");
    assert!(
        message.contains("shout") || message.contains("unknown filter"),
        "{message}"
    );
    assert!(
        check(
            &environment(),
            "f",
            "{% for i in range(10) %}{{ i }}{% endfor %}"
        )
        .is_ok()
    );
}

#[test]
fn renders_traits_with_defaults_money_and_dates() {
    let context = json!({
        "traits": { "firstName": "Ada", "signup": "2026-03-04T10:00:00Z" },
        "event": { "properties": { "total": 123456 } },
    });
    let text = "Hi {{ traits.firstName }} {{ traits.lastName | default('friend') }}, \
                {{ event.properties.total | money('EUR') }} since {{ traits.signup | date('%d %b %Y') }}";
    assert_eq!(
        rendered(text, &context).unwrap(),
        "Hi Ada friend, €1234.56 since 04 Mar 2026"
    );
    assert_eq!(rendered("{{ missing | money }}", &context).unwrap(), "");
}

#[test]
fn runaway_templates_stop() {
    let source = "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}";
    assert!(check(&environment(), "body", source).is_err());
}

#[test]
fn everyday_templates_still_work() {
    let context = json!({
        "profile": { "name": "Ada" },
        "traits": { "plan": "gold", "tags": ["a", "b"] },
        "recommendations": [
            { "name": "Tea", "price": 450, "currency": "EUR" },
            { "name": "Cup", "price": 1200, "currency": "EUR" },
        ],
    });
    let cases = [
        ("{{ profile.name ~ '!' }}", "Ada!"),
        (
            "{{ 'x' * 3 }}{{ 2 * 3 }}{{ 1 + 2 }}{{ 'a' + 'b' }}",
            "xxx63ab",
        ),
        (
            "{% if traits.plan == 'gold' %}G{% endif %}{{ 'a' in traits.tags }}",
            "GTrue",
        ),
        ("{{ traits.tags | join(', ') | upper }}", "A, B"),
        ("{{ traits.tags[1] }}{{ profile.name[:2] }}", "bAd"),
        (
            "{% set ns = namespace(n=0) %}{% for p in recommendations %}{% set ns.n = ns.n + p.price %}{% endfor %}{{ ns.n | money('EUR') }}",
            "€16.50",
        ),
        (
            "{% for p in recommendations | sort(attribute='price', reverse=true) %}{{ p.name }};{% endfor %}",
            "Cup;Tea;",
        ),
        (
            "{{ recommendations | map(attribute='name') | select('ne', 'Tea') | list }}",
            "[\"Cup\"]",
        ),
        (
            "{% macro hi(n) %}Hi {{ n }}{% endmacro %}{{ hi(profile.name) }}",
            "Hi Ada",
        ),
        (
            "{% set t %}Dear {{ profile.name }}{% endset %}{{ t | upper }}",
            "DEAR ADA",
        ),
        (
            "{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}",
            "aba",
        ),
        ("{{ missing.deep.path }}|{{ missing | default('d') }}", "|d"),
    ];
    for (source, expected) in cases {
        check(&environment(), "body", source).unwrap_or_else(|e| panic!("{source}: {e:?}"));
        assert_eq!(rendered(source, &context).unwrap(), expected, "{source}");
    }
}

#[test]
fn item_02_other_templates_and_the_context_dump_are_refused_at_save() {
    for (source, word) in [
        (
            "{% include profile.email ~ '|' ~ profile.phone %}",
            "include",
        ),
        ("{% include debug() %}", "include"),
        ("{{ debug() }}", "debug"),
        ("{% extends 'base' %}", "extends"),
        ("{% import 'macros' as m %}", "import"),
        ("{% from 'macros' import hi %}", "from"),
    ] {
        let message = invalid(source);
        assert!(message.contains(word), "{source}: {message}");
    }
}

#[test]
fn item_02_render_failures_never_quote_data() {
    let context = json!({ "profile": { "email": "ada@example.com", "phone": "+15550100" } });
    for source in [
        "{% include profile.email ~ '|' ~ profile.phone %}",
        "{{ profile.email | int + profile.phone }}",
        "{{ profile.email + 1 }}",
        "{{ profile.email | nope }}",
        "x\n{{ (profile.email * 2) + profile.phone * 1 + [] }}",
    ] {
        let failure = rendered(source, &context).unwrap_err().to_string();
        assert!(
            failure.starts_with("template_error: the body template failed at line "),
            "{failure}"
        );
        assert!(
            !failure.contains("ada") && !failure.contains("5550100"),
            "{failure}"
        );
    }
}

#[test]
fn item_04_constant_blowups_are_refused_at_save() {
    for source in [
        "{{ 'x' * 100000000 ~ 'y' }}",
        "{{ ('x' * 200000) ~ ('y' * 200000) }}",
        "{{ [1, 2] * 1000000000 }}",
        "{{ [] * 1000000000000 }}",
        "{{ traits.signup | date('%') }}",
    ] {
        let message = invalid(source);
        assert!(
            message.starts_with("line 1, column "),
            "{source}: {message}"
        );
    }
}

#[test]
fn item_04_runtime_blowups_stop_with_a_clear_failure() {
    let context = json!({ "traits": { "n": 100000000, "x": "x", "signup": "2026-03-04T10:00:00Z", "f": "%" } });
    for source in [
        "{{ traits.x * traits.n ~ 'y' }}",
        "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
        "{% set ns = namespace(s=[1]) %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}",
        "{% for i in range(100000) %}{{ traits.x * 1000 }}{% endfor %}",
        "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}",
        "{% set ns = namespace(l=[]) %}{% for i in range(30000) %}{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l }}",
        "{{ traits.signup | date(traits.f) }}",
        "{{ traits.x | indent(1000000000) }}{{ traits.x | replace('', traits.x * 100000) }}",
    ] {
        let failure = rendered(source, &context).unwrap_err();
        assert!(
            failure.to_string().starts_with("template_error: "),
            "{source}: {failure}"
        );
    }
    let big = format!(
        "{{% for i in range(300) %}}{}{{% endfor %}}",
        "x".repeat(1000)
    );
    assert_eq!(
        rendered(&big, &context).unwrap_err().reason,
        "the message would be larger than 256 KB"
    );
}

#[test]
fn item_04_a_panic_inside_the_engine_fails_that_render_only() {
    let mut env = environment();
    env.add_filter("explode", |_: minijinja::Value| -> String {
        panic!("engine bug")
    });
    let failure = render_message(&env, "body", "a\n{{ 1 | explode }}", &json!({})).unwrap_err();
    assert_eq!(failure.reason, "it could not be rendered");
    assert_eq!(
        rendered("still {{ 'fine' }}", &json!({})).unwrap(),
        "still fine"
    );
}
