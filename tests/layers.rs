//! The layering of the library, checked on its source text (ARCHITECTURE.md, "Layers").
//!
//! Every `crate::…`, `super::…` and `self::…` path in a library file (a `use` or a path in
//! code), and every path through a child module or a module alias, is resolved to the file
//! that defines that module. The test fails on:
//!
//! - an import circle between source files (a file reaching itself through other files);
//! - an upward import: a file importing from a layer above its own (a library file importing
//!   `cli/`; `chain/`, `limits.rs`, `time.rs` or `hash.rs` importing `source/`, `audit/`…).
//!
//! Unit-test modules at the bottom of a file (`#[cfg(test)] mod …`) and comments are not
//! read: a test may reach anywhere, and a doc link is not an import.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first, and the top-level modules that belong to each. A file may
/// import from its own layer and from those below it.
const LAYERS: &[(&str, &[&str])] = &[
    ("ground", &["vocab", "time", "hash", "limits"]),
    ("core", &["chain", "snapshot"]),
    ("sources", &["source"]),
    ("orchestration", &["audit"]),
    (
        "consumers",
        &["records", "activity", "detect", "search", "controls"],
    ),
    ("models", &["report"]),
    ("presenters", &["present"]),
    ("edge", &["cli", "fixture"]),
];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Module path (`["chain", "digest"]`) of a library file, `None` for binaries.
fn module_of(file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src()).ok()?;
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|p| p == "bin") || parts == ["main.rs"] {
        return None;
    }
    let mut m: Vec<String> = parts;
    let last = m.pop()?;
    match last.as_str() {
        "lib.rs" | "mod.rs" => {}
        name => m.push(name.trim_end_matches(".rs").to_owned()),
    }
    Some(m)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's text without comments and without the unit tests at its bottom.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|n| n.trim_start().starts_with("mod ") && n.trim_end().ends_with('{'))
        {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let line = line.find(" // ").map_or(line, |i| &line[..i]);
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every `use` tree in `code`, expanded into plain paths (`a::b::{c, d::e}` → `a::b::c`,
/// `a::b::d::e`); `self` inside braces names the prefix.
fn use_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = find_use(rest) {
        let after = &rest[i..];
        let Some(end) = after.find(';') else { break };
        let tree: String = after[..end]
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("use ")
            .replace(" as ", "@")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        expand("", &tree, &mut out);
        rest = &after[end..];
    }
    out
}

fn find_use(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find("use ") {
        let at = from + i;
        let before = s[..at].chars().last();
        if before.is_none_or(|c| c == '\n' || c == ' ' || c == '{' || c == ';') {
            let line_start = s[..at].rfind('\n').map_or(0, |n| n + 1);
            let lead = s[line_start..at].trim();
            if lead.is_empty() || lead.starts_with("pub") {
                return Some(line_start + s[line_start..].find(lead).unwrap_or(0));
            }
        }
        from = at + 4;
    }
    None
}

fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let join = |p: &str, s: &str| {
        if p.is_empty() {
            s.to_owned()
        } else {
            format!("{p}::{s}")
        }
    };
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        let bytes: Vec<char> = inner.chars().collect();
        let mut parts = Vec::new();
        for (i, c) in bytes.iter().enumerate() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(bytes[start..i].iter().collect::<String>());
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(bytes[start..].iter().collect::<String>());
        for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            if p == "self" {
                out.push(base.clone());
            } else {
                expand(&base, p, out);
            }
        }
    } else {
        let path = tree.split('@').next().unwrap_or(tree);
        out.push(join(prefix, path));
    }
}

/// Paths written in code: `crate::…`, `super::…`, `self::…`, and `name::…` for a child
/// module or alias `name`.
fn code_paths(code: &str, heads: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let prev = if i == 0 { ' ' } else { chars[i - 1] };
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            if prev.is_alphanumeric() || prev == '_' || prev == ':' {
                continue;
            }
            let path: String = chars[start..i].iter().collect();
            let path = path.trim_end_matches(':');
            let head = path.split("::").next().unwrap_or("");
            if path.contains("::")
                && (matches!(head, "crate" | "super" | "self") || heads.contains(head))
            {
                out.push(path.to_owned());
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Declared child modules (`mod x;`) of a file.
fn children(code: &str) -> BTreeSet<String> {
    code.lines()
        .filter_map(|l| {
            let t = l.trim();
            let t = t
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            t.strip_prefix("mod ")
                .and_then(|r| r.strip_suffix(';'))
                .map(str::to_owned)
        })
        .collect()
}

struct Graph {
    /// Module path → file (relative to `src/`).
    modules: BTreeMap<Vec<String>, String>,
}

impl Graph {
    /// The file of the longest module prefix of `path` (absolute segments).
    fn resolve(&self, path: &[String]) -> Option<(&String, usize)> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.modules.get(&path[..n]).map(|f| (f, n)))
    }

    /// Absolute segments of `path` written in module `here`, or `None` when it does not
    /// start in the crate.
    fn absolute(
        here: &[String],
        path: &str,
        aliases: &BTreeMap<String, Vec<String>>,
        kids: &BTreeSet<String>,
    ) -> Option<Vec<String>> {
        let mut segs = path.split("::").filter(|s| !s.is_empty());
        let first = segs.next()?;
        let mut base: Vec<String> = match first {
            "crate" => Vec::new(),
            "self" => here.to_vec(),
            "super" => {
                let mut b = here.to_vec();
                b.pop();
                b
            }
            name if kids.contains(name) => {
                let mut b = here.to_vec();
                b.push(name.to_owned());
                b
            }
            name => aliases.get(name)?.clone(),
        };
        for s in segs {
            if s == "super" {
                base.pop();
            } else {
                base.push(s.to_owned());
            }
        }
        Some(base)
    }
}

fn layer_of(module: &[String]) -> Option<usize> {
    let top = module.first()?;
    LAYERS
        .iter()
        .position(|(_, rooms)| rooms.contains(&top.as_str()))
}

/// Edges between library files (file → the files it imports from).
fn edges() -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, Vec<String>>,
) {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut modules = BTreeMap::new();
    let mut texts = BTreeMap::new();
    for f in &all {
        if let Some(m) = module_of(f) {
            let rel = f.strip_prefix(src()).unwrap().display().to_string();
            texts.insert(
                rel.clone(),
                (m.clone(), code_of(&std::fs::read_to_string(f).unwrap())),
            );
            modules.insert(m, rel);
        }
    }
    let graph = Graph { modules };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut module_of_file = BTreeMap::new();
    for (file, (here, code)) in &texts {
        module_of_file.insert(file.clone(), here.clone());
        let kids = children(code);
        let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let uses = use_paths(code);
        for u in &uses {
            if let Some(abs) = Graph::absolute(here, u, &aliases, &kids)
                && graph.resolve(&abs).is_some_and(|(_, n)| n == abs.len())
                && let Some(last) = abs.last()
            {
                aliases.insert(last.clone(), abs.clone());
            }
        }
        let mut heads: BTreeSet<String> = kids.clone();
        heads.extend(aliases.keys().cloned());
        let targets = out.entry(file.clone()).or_default();
        for p in uses.iter().chain(code_paths(code, &heads).iter()) {
            let Some(abs) = Graph::absolute(here, p, &aliases, &kids) else {
                continue;
            };
            // Naming a child module's items from its parent is an import of the child;
            // `mod x;` alone is not.
            if let Some((target, _)) = graph.resolve(&abs)
                && target != file
            {
                targets.insert(target.clone());
            }
        }
    }
    (out, module_of_file)
}

/// Strongly connected components with more than one file (Tarjan).
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        if let Some(ws) = t.g.get(v) {
            for w in ws {
                let w = w.as_str();
                if !t.index.contains_key(w) {
                    visit(t, w);
                    let lw = t.low[w];
                    let lv = t.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if t.on.contains(w) {
                    let iw = t.index[w];
                    let lv = t.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn source_files_import_no_circle() {
    let (g, _) = edges();
    let found = circles(&g);
    assert!(
        found.is_empty(),
        "import circles between source files:\n{}",
        found
            .iter()
            .map(|c| {
                let detail: Vec<String> = c
                    .iter()
                    .map(|f| {
                        let to: Vec<&String> = g[f].iter().filter(|t| c.contains(t)).collect();
                        format!("    {f} -> {to:?}")
                    })
                    .collect();
                format!("  {}\n{}", c.join(", "), detail.join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn no_library_file_imports_upward() {
    let (g, modules) = edges();
    let mut bad = Vec::new();
    for (file, targets) in &g {
        let here = &modules[file];
        let Some(mine) = layer_of(here) else {
            // lib.rs declares the modules; it imports nothing.
            continue;
        };
        for t in targets {
            let Some(theirs) = layer_of(&modules[t]) else {
                continue;
            };
            if theirs > mine {
                bad.push(format!(
                    "  {file} ({}) imports {t} ({})",
                    LAYERS[mine].0, LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(bad.is_empty(), "upward imports:\n{}", bad.join("\n"));
}

#[test]
fn every_library_module_has_a_layer() {
    let (_, modules) = edges();
    let orphans: Vec<&String> = modules
        .iter()
        .filter(|(_, m)| !m.is_empty() && layer_of(m).is_none())
        .map(|(f, _)| f)
        .collect();
    assert!(
        orphans.is_empty(),
        "files outside every layer (add their top-level module to LAYERS): {orphans:?}"
    );
}

/// The checker itself: a circle and an upward import in a synthetic tree are found.
#[test]
fn the_checker_finds_a_circle_and_expands_use_trees() {
    let mut paths = Vec::new();
    expand("", "crate::a::{b::{self, C}, d}", &mut paths);
    assert_eq!(paths, ["crate::a::b", "crate::a::b::C", "crate::a::d"]);
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("x.rs", vec!["y.rs"]),
        ("y.rs", vec!["z.rs"]),
        ("z.rs", vec!["x.rs"]),
        ("w.rs", vec!["x.rs"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(circles(&g), vec![vec!["x.rs", "y.rs", "z.rs"]]);
    let code = code_of(
        "use crate::a::b; // crate::c::d\n/// [`crate::e`]\nfn f() { b::g::h(); super::k::l(); }\n#[cfg(test)]\nmod tests {\n use crate::z;\n}\n",
    );
    let heads: BTreeSet<String> = ["b".to_owned()].into();
    assert_eq!(use_paths(&code), ["crate::a::b"]);
    assert_eq!(
        code_paths(&code, &heads),
        ["crate::a::b", "b::g::h", "super::k::l"]
    );
}
