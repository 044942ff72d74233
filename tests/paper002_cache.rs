//! Paper 002 caching, as issue 6 asks: with the real `pipelines/paper002.yaml` (copied with its
//! include into a temporary folder), the `smoke` profile's Fig. 7a chain (data → training →
//! receptive fields → W vs β) is computed once; a second run recomputes nothing; changing ONE
//! β of the sweep recomputes exactly that β's chain (data, training and analysis of each run)
//! plus the aggregate that reads every β — nothing else.

mod common;
use common::*;

/// The value list of `key` inside the `smoke:` profile block of the YAML text.
fn smoke_list(text: &str, key: &str) -> (usize, String) {
    let start = text.find("\n  smoke:").expect("smoke profile");
    let at = start + text[start..].find(&format!("{key}:")).expect("key in smoke block");
    let end = at + text[at..].find('\n').unwrap();
    (at, text[at..end].to_string())
}

#[test]
fn changing_one_beta_recomputes_only_that_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pipelines");
    std::fs::create_dir_all(dir.join("include")).unwrap();
    let text = std::fs::read_to_string(root().join("pipelines/paper002.yaml")).unwrap();
    std::fs::copy(root().join("pipelines/include/paper002_xy.yaml"), dir.join("include/paper002_xy.yaml")).unwrap();
    let file = dir.join("paper002.yaml");
    std::fs::write(&file, &text).unwrap();
    let res = tmp.path().join("results");
    let args = ["run", file.to_str().unwrap(), "--profile", "smoke", "-t", "f7a", "-j", "2", "--no-figures"];

    let o = rbmlab(&res, &args);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    let first = summary(&o, "paper002");
    assert_eq!(first.failed, 0);
    assert!(first.computed > 0 && first.computed == first.tasks, "{}", out(&o));

    // Second run: everything is a hit.
    let o = rbmlab(&res, &args);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(summary(&o, "paper002").computed, 0, "{}", out(&o));

    // Change the last β of the smoke sweep by +0.05.
    let (at, line) = smoke_list(&text, "f7a_betas");
    let inner = &line[line.find('[').unwrap() + 1..line.rfind(']').unwrap()];
    let mut betas: Vec<f64> = inner.split(',').map(|x| x.trim().parse().unwrap()).collect();
    let n_betas = betas.len();
    *betas.last_mut().unwrap() += 0.05;
    let new_line = format!("f7a_betas: [{}]", betas.iter().map(|b| format!("{b:?}")).collect::<Vec<_>>().join(", "));
    let changed = format!("{}{}{}", &text[..at], new_line, &text[at + line.len()..]);
    std::fs::write(&file, changed).unwrap();
    let (_, runs_line) = smoke_list(&text, "f7_runs");
    let runs: usize = runs_line.split(':').nth(1).unwrap().trim().parse().unwrap();

    let o = rbmlab(&res, &args);
    assert!(o.status.success(), "{}", err(&o));
    let s = summary(&o, "paper002");
    // Per run of the changed β: data, training, receptive fields; plus the one aggregate.
    assert_eq!(s.computed, 3 * runs + 1, "{}", out(&o));
    assert_eq!(s.tasks, first.tasks, "same number of tasks ({n_betas} β values)");
}
