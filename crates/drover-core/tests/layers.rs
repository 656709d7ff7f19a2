//! drover-core's top-level modules form layers, not a tangle: no module reaches (directly or
//! through others) back into one that uses it. Providers build from `objects` and never see the
//! render engine; `status` and `upgrade` both read CAPI objects through `contract`. Test code
//! (`#[cfg(test)]` modules, `tests.rs` files) may use anything and is not counted; neither are
//! comments.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The crate's own source, stripped of comments and test modules.
fn production_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(start) => &text[..start],
        None => text,
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `crate::name` references and `use crate::{a, b::c}` groups.
fn referenced_modules(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (index, _) in code.match_indices("crate::") {
        let rest = &code[index + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            group
                .split(',')
                .map(|item| item.trim().split("::").next().unwrap_or_default())
                .collect()
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            vec![&rest[..end]]
        };
        found.extend(
            names
                .into_iter()
                .filter(|name| modules.contains(*name))
                .map(str::to_owned),
        );
    }
    found
}

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.is_dir() {
            visit(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Top-level module → the top-level modules its production code uses.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    visit(&src, &mut files);
    let top = |path: &Path| -> String {
        let relative = path.strip_prefix(&src).unwrap_or(path);
        let first = relative.components().next().map(|c| c.as_os_str());
        let first = first.and_then(|c| c.to_str()).unwrap_or_default();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| top(f))
        .filter(|m| m != "lib")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = top(file);
        if module == "lib" || file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut used = referenced_modules(&production_code(&text), &modules);
        used.remove(&module);
        graph.entry(module).or_default().extend(used);
    }
    graph
}

/// A cycle through `start`, as the path of modules.
fn cycle_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    let current = path.last().cloned().unwrap_or_else(|| start.to_owned());
    for next in graph.get(&current).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start.to_owned());
            return Some(cycle);
        }
        if seen.insert(next.clone()) {
            path.push(next.clone());
            if let Some(cycle) = cycle_from(graph, start, path, seen) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn top_level_modules_have_no_cycles() {
    let graph = module_graph();
    assert!(
        graph
            .get("render")
            .is_some_and(|uses| uses.contains("providers")),
        "the graph looks wrong (render must use providers): {graph:?}"
    );
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|module| {
            let mut path = vec![module.clone()];
            cycle_from(&graph, module, &mut path, &mut BTreeSet::new())
        })
        .map(|cycle| cycle.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "module cycles: {cycles:#?}");
}

#[test]
fn providers_build_from_objects_not_from_the_engine() {
    let graph = module_graph();
    let providers = &graph["providers"];
    assert!(providers.contains("objects"), "{providers:?}");
    assert!(!providers.contains("render"), "{providers:?}");
}

#[test]
fn the_reference_scan_sees_groups_and_paths() {
    let modules: BTreeSet<String> = ["render", "objects", "resolve"].map(str::to_owned).into();
    let code = "use crate::{objects::meta, resolve};\nlet x = crate::render::render_cluster;";
    assert_eq!(
        referenced_modules(code, &modules),
        modules,
        "every form of reference is found"
    );
    let commented = production_code("// crate::render\nfn f() {}\n#[cfg(test)]\nuse crate::x;");
    assert_eq!(commented, "fn f() {}");
}
