//! The capacity chart: well-formed SVG, one group of bars per host, one colour per environment
//! (in the bars and in the legend), surge reservations drawn, deterministic.

use std::collections::{BTreeMap, BTreeSet};

use drover_api::workload_cluster::ControlPlaneSpec;
use drover_core::capacity::{self, CapacityPlan, CapacityReport, svg};
use drover_core::fixtures;

fn report() -> CapacityReport {
    let infra = fixtures::kubevirt_infrastructure();
    let environments = ["dev", "staging", "production"];
    let clusters: Vec<_> = environments
        .iter()
        .enumerate()
        .map(|(index, env)| {
            let mut claim = fixtures::with_workers(
                fixtures::claim("team-a", &format!("c{index}"), env),
                &[("md-0", 2, "medium")],
            );
            claim.spec.control_plane = Some(ControlPlaneSpec {
                replicas: Some(if *env == "production" { 3 } else { 1 }),
                size: Some("small".to_owned()),
            });
            fixtures::resolved(&claim, &fixtures::environment(env, "v1.32.1"), &infra)
        })
        .collect();
    match capacity::plan(&infra, &clusters) {
        Ok(CapacityPlan::Planned(report)) => *report,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_chart_is_well_formed_with_a_bar_pair_per_host_and_a_colour_per_environment() {
    let report = report();
    let text = svg::render(&report);
    let document = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");

    let hosts: Vec<_> = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("host"))
        .collect();
    assert_eq!(hosts.len(), report.hosts.len());
    for (group, host) in hosts.iter().zip(&report.hosts) {
        assert_eq!(group.attribute("data-host"), Some(host.host.name.as_str()));
        // Two outlined bars (CPU, memory) per host.
        let outlines = group
            .children()
            .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("none"))
            .count();
        assert_eq!(outlines, 2, "{}", host.host.name);
    }

    let colours = svg::environment_colours(&report);
    assert_eq!(
        colours.keys().cloned().collect::<Vec<_>>(),
        vec!["dev", "production", "staging"]
    );
    let distinct: BTreeSet<&String> = colours.values().collect();
    assert_eq!(distinct.len(), colours.len(), "one colour per environment");

    // Every used segment is coloured by an environment that has VMs on that host.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (group, host) in hosts.iter().zip(&report.hosts) {
        for rect in group
            .children()
            .filter(|n| n.attribute("class") == Some("used"))
        {
            let fill = rect.attribute("fill").unwrap_or_default();
            let environment = colours
                .iter()
                .find(|(_, colour)| colour.as_str() == fill)
                .map(|(env, _)| env.clone())
                .unwrap_or_else(|| panic!("segment with unknown colour {fill}"));
            assert!(host.by_environment.contains_key(&environment));
            *seen.entry(environment).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 3, "every environment appears: {seen:?}");
    let surge = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("surge"))
        .count();
    assert!(surge > 0, "surge reservations are drawn");

    let legend: Vec<(String, String)> = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("legend-environment"))
        .map(|n| {
            (
                n.attribute("data-name").unwrap_or_default().to_owned(),
                n.attribute("fill").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(legend, colours.into_iter().collect::<Vec<_>>());
    assert_eq!(
        root.descendants()
            .filter(|n| n.attribute("class") == Some("summary"))
            .count(),
        2
    );
    assert_eq!(svg::render(&report), text, "deterministic");
}

#[test]
fn names_are_escaped() {
    let mut report = report();
    report.hosts[0].host.name = "rack<1>&\"a\"".to_owned();
    let text = svg::render(&report);
    let document = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        document
            .descendants()
            .any(|n| n.attribute("data-host") == Some("rack<1>&\"a\""))
    );
}
