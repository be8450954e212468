//! The rendered XML manifest against the rules Outlook enforces and no offline schema
//! checks for us: element order, resource ids and their lengths, string limits, HTTPS and
//! the configured port in every URL, the icons, pinning, and the size limit.

use roxmltree::{Document, Node};
use sms_bridge::config::{AddinId, Port};
use sms_bridge::manifest::{Format, ManifestSettings, render};

const PORT: u16 = 40123;
const ID: &str = "3f2c9a4e-7d51-4b8e-9c0a-2e6f1b7d4a90";

fn rendered() -> String {
    let settings = ManifestSettings {
        port: Port::new(PORT.into()).unwrap(),
        id: AddinId::parse(ID).unwrap(),
    };
    render(Format::Xml, &settings)
}

fn children<'a>(node: Node<'a, 'a>) -> Vec<Node<'a, 'a>> {
    node.children().filter(|n| n.is_element()).collect()
}

fn names(node: Node) -> Vec<String> {
    children(node)
        .iter()
        .map(|n| n.tag_name().name().to_string())
        .collect()
}

fn child<'a>(node: Node<'a, 'a>, name: &str) -> Node<'a, 'a> {
    children(node)
        .into_iter()
        .find(|n| n.tag_name().name() == name)
        .unwrap_or_else(|| panic!("<{}> has no <{name}>", node.tag_name().name()))
}

/// Whether `actual` keeps the relative order of `order` and holds nothing else.
fn in_order(actual: &[String], order: &[&str]) -> bool {
    let mut position = 0;
    for name in actual {
        match order[position..].iter().position(|o| o == name) {
            Some(offset) => position += offset,
            None => return false,
        }
    }
    true
}

fn xsi_type<'a>(node: Node<'a, 'a>) -> &'a str {
    node.attribute(("http://www.w3.org/2001/XMLSchema-instance", "type"))
        .unwrap_or("")
}

#[test]
fn base_manifest_elements_follow_the_schema_sequence() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "OfficeApp");
    assert_eq!(xsi_type(root), "MailApp");
    let order = [
        "Id",
        "AlternateId",
        "Version",
        "ProviderName",
        "DefaultLocale",
        "DisplayName",
        "Description",
        "IconUrl",
        "HighResolutionIconUrl",
        "SupportUrl",
        "AppDomains",
        "Hosts",
        "Requirements",
        "FormSettings",
        "Permissions",
        "Rule",
        "DisableEntityHighlighting",
        "VersionOverrides",
    ];
    let actual = names(root);
    assert!(in_order(&actual, &order), "out of order: {actual:?}");
    for required in [
        "Id",
        "Version",
        "ProviderName",
        "DefaultLocale",
        "DisplayName",
    ] {
        assert!(actual.iter().any(|a| a == required), "missing {required}");
    }
    assert_eq!(child(root, "Id").text(), Some(ID));
    assert_eq!(child(root, "Permissions").text(), Some("ReadWriteItem"));
    let set = child(child(child(root, "Requirements"), "Sets"), "Set");
    assert_eq!(set.attribute("Name"), Some("Mailbox"));
    assert_eq!(set.attribute("MinVersion"), Some("1.3"));
}

#[test]
fn version_overrides_1_0_wraps_1_1_as_its_last_child() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    let outer = child(doc.root_element(), "VersionOverrides");
    assert_eq!(xsi_type(outer), "VersionOverridesV1_0");
    let inner = *children(outer).last().unwrap();
    assert_eq!(inner.tag_name().name(), "VersionOverrides");
    assert_eq!(xsi_type(inner), "VersionOverridesV1_1");

    let sequence = [
        "Description",
        "Requirements",
        "Hosts",
        "Resources",
        "VersionOverrides",
    ];
    for (block, min_version) in [(outer, "1.3"), (inner, "1.5")] {
        let actual = names(block);
        assert!(in_order(&actual, &sequence), "out of order: {actual:?}");
        let sets = child(child(block, "Requirements"), "Sets");
        assert_eq!(sets.attribute("DefaultMinVersion"), Some(min_version));
        let resources = names(child(block, "Resources"));
        assert_eq!(resources, ["Images", "Urls", "ShortStrings", "LongStrings"]);
    }
}

/// The VersionOverrides block a node belongs to (its nearest ancestor of that name).
fn block_of<'a>(node: Node<'a, 'a>) -> Node<'a, 'a> {
    node.ancestors()
        .find(|a| a.tag_name().name() == "VersionOverrides")
        .unwrap()
}

/// The resource list a `resid` must point into, by the element that carries it.
fn resource_kind(node: Node) -> &'static str {
    match node.tag_name().name() {
        "Image" => "Images",
        "FunctionFile" | "SourceLocation" => "Urls",
        "Label" | "Title" => "ShortStrings",
        "Description" | "Tooltip" => "LongStrings",
        other => panic!("unexpected resid on <{other}>"),
    }
}

#[test]
fn every_resid_is_short_and_resolves_to_a_resource_of_the_right_kind() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    let mut count = 0;
    for node in doc.descendants().filter(|n| n.has_attribute("resid")) {
        let resid = node.attribute("resid").unwrap();
        assert!(
            (1..=32).contains(&resid.len()),
            "resid {resid:?} is too long"
        );
        let resources = child(block_of(node), "Resources");
        let list = child(resources, resource_kind(node));
        let found = children(list)
            .iter()
            .any(|r| r.attribute("id") == Some(resid));
        assert!(
            found,
            "resid {resid:?} does not resolve in {}",
            resource_kind(node)
        );
        count += 1;
    }
    assert!(count > 20, "only {count} resids checked");
    for resource in doc.descendants().filter(|n| n.has_attribute("id")) {
        assert!(resource.attribute("id").unwrap().len() <= 125);
    }
}

#[test]
fn group_and_control_ids_are_unique_across_the_manifest() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    let ids: Vec<&str> = doc
        .descendants()
        .filter(|n| matches!(n.tag_name().name(), "Group" | "Control"))
        .map(|n| n.attribute("id").unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "duplicate ids in {ids:?}");
    assert_eq!(ids.len(), 8);
}

#[test]
fn strings_respect_the_short_and_long_limits() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let limit = match node.tag_name().name() {
            "String" if node.parent().unwrap().tag_name().name() == "ShortStrings" => 125,
            "String" => 250,
            "DisplayName" | "ProviderName" => 125,
            "Description" if node.parent() == Some(doc.root_element()) => 250,
            _ => continue,
        };
        let values = node
            .descendants()
            .filter_map(|n| n.attribute("DefaultValue").or(n.attribute("Value")))
            .chain(node.text().filter(|t| !t.trim().is_empty()));
        for value in values {
            let length = value.chars().count();
            assert!((1..=limit).contains(&length), "{value:?} exceeds {limit}");
        }
    }
}

#[test]
fn every_url_is_https_on_the_configured_port() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    let origin = format!("https://localhost:{PORT}");
    let mut urls = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        let is_url = matches!(
            name,
            "IconUrl" | "HighResolutionIconUrl" | "SupportUrl" | "SourceLocation"
        ) || matches!(
            node.parent().map(|p| p.tag_name().name()),
            Some("Images" | "Urls")
        );
        if is_url && !node.has_attribute("resid") {
            urls.extend(node.attribute("DefaultValue"));
        }
        if name == "AppDomain" {
            assert_eq!(node.text(), Some(origin.as_str()), "AppDomain is an origin");
        }
    }
    assert!(urls.len() >= 14, "only {} URLs found", urls.len());
    for url in urls {
        assert!(
            url.starts_with(&format!("{origin}/")),
            "{url} is not on {origin}"
        );
        assert!(url.len() <= 2048);
    }
    let stray = text.matches("localhost:").count() - text.matches(&origin).count();
    assert_eq!(stray, 0, "a localhost URL without the configured port");
    let plain_http = doc.descendants().any(|n| {
        n.attributes().any(|a| a.value().contains("http://"))
            || n.text()
                .is_some_and(|t| n.is_text() && t.contains("http://"))
    });
    assert!(!plain_http, "a value uses http:// (namespace names aside)");
}

#[test]
fn both_command_surfaces_open_the_pinnable_pane_with_three_icon_sizes() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    let surfaces: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "ExtensionPoint")
        .map(xsi_type)
        .collect();
    assert_eq!(
        surfaces,
        [
            "MessageReadCommandSurface",
            "MessageComposeCommandSurface",
            "MessageReadCommandSurface",
            "MessageComposeCommandSurface"
        ]
    );
    for control in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "Control")
    {
        assert_eq!(names(control), ["Label", "Supertip", "Icon", "Action"]);
        let sizes: Vec<&str> = children(child(control, "Icon"))
            .iter()
            .map(|i| i.attribute("size").unwrap())
            .collect();
        assert_eq!(sizes, ["16", "32", "80"]);
        let action = child(control, "Action");
        assert_eq!(xsi_type(action), "ShowTaskpane");
        let pinning = xsi_type(block_of(control)) == "VersionOverridesV1_1";
        let expected: &[&str] = if pinning {
            &["SourceLocation", "SupportsPinning"]
        } else {
            &["SourceLocation"]
        };
        assert_eq!(names(action), expected);
    }
    let functions: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "FunctionFile")
        .collect();
    assert_eq!(functions.len(), 2);
}

#[test]
fn german_overrides_exist_for_the_visible_strings() {
    let text = rendered();
    let doc = Document::parse(&text).unwrap();
    for node in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "String")
    {
        let locales: Vec<&str> = children(node)
            .iter()
            .filter_map(|o| o.attribute("Locale"))
            .collect();
        assert_eq!(locales, ["de-DE"], "{:?}", node.attribute("id"));
    }
}

#[test]
fn the_manifest_is_well_under_the_exchange_size_limit() {
    assert!(rendered().len() < 256 * 1024);
}
