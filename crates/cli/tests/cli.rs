//! The `hypergrad` binary end to end: every subcommand, JSON output, and error paths (one-line
//! message, non-zero exit, never a panic trace).

use std::process::{Command, Output};

fn hypergrad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hypergrad"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(stdout(o).trim()).expect("one JSON object")
}

/// The best criterion of a `select --compare --json` run and the best of its grid baseline.
fn best_and_grid(v: &serde_json::Value) -> (f64, f64) {
    let value = |x: &serde_json::Value| x.as_f64().expect("a number");
    (value(&v["value"]), value(&v["grid"]["value"]))
}

fn assert_one_line_error(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "should fail: {err}");
    assert!(err.contains(needle), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn select_on_the_embedded_data_beats_or_matches_the_grid() {
    let o = hypergrad(&["select", "--compare", "--json"]);
    let v = json(&o);
    assert_eq!(v["model"], "lasso");
    let (best, grid) = best_and_grid(&v);
    assert!(best <= 1.01 * grid, "{best} vs grid {grid}");
    assert!(v["evaluations"].as_u64().unwrap() * 3 <= v["grid"]["evaluations"].as_u64().unwrap());
    let human = stdout(&hypergrad(&["select", "--max-outer", "5"]));
    assert!(human.contains("best criterion"), "{human}");
}

#[test]
fn select_with_every_model_and_baseline() {
    for args in [
        &["select", "--model", "enet", "--max-outer", "5", "--json"][..],
        &["select", "--model", "wlasso", "--max-outer", "3", "--json"],
        &["select", "--model", "ridge", "--json"],
        &["select", "--method", "grid", "--max-outer", "10", "--json"],
        &[
            "select",
            "--method",
            "random",
            "--max-outer",
            "10",
            "--seed",
            "3",
            "--json",
        ],
        &[
            "select",
            "--optimizer",
            "adam",
            "--max-outer",
            "5",
            "--json",
        ],
        &["select", "--optimizer", "line-search", "--json"],
        &[
            "select",
            "--optimizer",
            "hoag",
            "--max-outer",
            "5",
            "--json",
        ],
        &[
            "select",
            "--optimizer",
            "lbfgs",
            "--max-outer",
            "10",
            "--json",
        ],
        &[
            "select",
            "--model",
            "enet",
            "--optimizer",
            "lbfgs",
            "--json",
        ],
        &[
            "select",
            "--method",
            "reverse",
            "--max-outer",
            "3",
            "--json",
        ],
    ] {
        let v = json(&hypergrad(args));
        assert!(v["value"].as_f64().unwrap().is_finite(), "{args:?}: {v}");
    }
}

#[test]
fn select_fits_the_intercept_by_default_and_writes_the_plot() {
    let svg = std::env::temp_dir().join(format!("hypergrad-plot-{}.svg", std::process::id()));
    let with = json(&hypergrad(&[
        "select",
        "--plot",
        svg.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(with["conventions"]["intercept"], true);
    assert_eq!(with["conventions"]["standardized"], false);
    // The search fits two thirds and validates on one; the model is refit on every row.
    assert_eq!(with["conventions"]["rows"]["train"], 295);
    assert_eq!(with["conventions"]["rows"]["validation"], 147);
    assert_eq!(with["conventions"]["rows"]["refit"], 442);
    // The embedded features are centered (as scikit-learn serves them), so the intercept of
    // the refit on every row is the mean of the targets, 152.133.
    let intercept = with["intercept"].as_f64().unwrap();
    assert!((intercept - 152.133).abs() < 1e-3, "{intercept}");
    assert_eq!(with["coef"].as_array().unwrap().len(), 10);
    // Without it the model misses the mean: its held-out MSE carries mean² ≈ 23 000 on top of
    // the ≈ 3 000 an intercept model reaches.
    let without = json(&hypergrad(&["select", "--no-intercept", "--json"]));
    let (a, b) = (
        with["value"].as_f64().unwrap(),
        without["value"].as_f64().unwrap(),
    );
    assert!(a < 3500.0 && b > 5.0 * a, "{a} vs {b}");
    assert_eq!(without["intercept"], 0.0);
    assert_eq!(without["conventions"]["intercept"], false);
    // The plot: a criterion curve (the grid, which --plot implies), the trajectory's points.
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("<circle") && text.contains("polyline"));
    assert_eq!(with["grid"]["evaluations"], 30);
    std::fs::remove_file(&svg).unwrap();
}

#[test]
fn solve_fits_every_row_unless_asked_and_reports_the_original_scale() {
    // Every row by default; the seeded split only with --split.
    let all = json(&hypergrad(&["solve", "--alpha", "0.1", "--json"]));
    assert_eq!(all["conventions"]["rows"]["train"], 442);
    assert_eq!(all["conventions"]["rows"]["validation"], "train");
    assert!(all["seconds"].as_f64().unwrap() >= 0.0);
    let split = json(&hypergrad(&[
        "solve", "--alpha", "0.1", "--split", "0.25", "--json",
    ]));
    assert_eq!(split["conventions"]["rows"]["train"], 331);
    assert_eq!(split["conventions"]["rows"]["validation"], 111);
    // --standardize: the embedded columns have norm 1 (σ = 1/√442), so scaling them to unit
    // σ multiplies X by √442 and divides the coefficients by it: at α the standardized fit is
    // the plain fit at α·√442 (the ℓ1 term scales with the coefficients, the fit is the same).
    let root_n = 442f64.sqrt();
    let scaled = json(&hypergrad(&[
        "solve",
        "--alpha",
        &format!("{}", 0.1 * root_n),
        "--standardize",
        "--tol",
        "1e-12",
        "--json",
    ]));
    let plain = json(&hypergrad(&[
        "solve", "--alpha", "0.1", "--tol", "1e-12", "--json",
    ]));
    let (a, b) = (
        scaled["coef"].as_array().unwrap(),
        plain["coef"].as_array().unwrap(),
    );
    for (u, v) in a.iter().zip(b) {
        let (u, v) = (u.as_f64().unwrap(), v.as_f64().unwrap());
        // Gap 1e-12 relative on both sides: coefficients of size ≈ 500 agree to ≈ 1e-4.
        assert!((u - v).abs() <= 1e-6 * 600.0, "{u} vs {v}");
    }
    assert_eq!(scaled["conventions"]["standardized"], true);
    let human = stdout(&hypergrad(&["solve", "--alpha", "0.1"]));
    assert!(human.contains("intercept: 152.13"), "{human}");
    assert!(!human.contains("Some("), "{human}");
}

#[test]
fn ridge_takes_one_penalty_or_one_per_feature() {
    let ones = ["1"; 10].join(",");
    let per_feature = json(&hypergrad(&[
        "grad", "--model", "ridge", "--alpha", &ones, "--split", "0.3", "--json",
    ]));
    let single = json(&hypergrad(&[
        "grad", "--model", "ridge", "--alpha", "1", "--split", "0.3", "--json",
    ]));
    // Equal penalties: the same fit; the single hypergradient is the sum of the per-feature ones
    // (d/dlog α = Σ_j ∂/∂log α_j along the diagonal).
    let g: Vec<f64> = per_feature["grad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(g.len(), 10);
    let sum: f64 = g.iter().sum();
    let want = single["grad"][0].as_f64().unwrap();
    assert!(
        (sum - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{sum} vs {want}"
    );
    let v = json(&hypergrad(&[
        "select",
        "--model",
        "ridge",
        "--alpha",
        &ones,
        "--max-outer",
        "5",
        "--json",
    ]));
    assert_eq!(v["log_alpha"].as_array().unwrap().len(), 10);
    let solved = json(&hypergrad(&[
        "solve", "--model", "ridge", "--alpha", &ones, "--json",
    ]));
    assert_eq!(solved["coef"].as_array().unwrap().len(), 10);
    assert_one_line_error(
        &hypergrad(&["solve", "--model", "ridge", "--alpha", "1,2"]),
        "needs 1 or 10 value(s)",
    );
}

#[test]
fn cross_validation_matches_its_grid() {
    let v = json(&hypergrad(&[
        "select",
        "--criterion",
        "cv:5",
        "--compare",
        "--json",
    ]));
    assert_eq!(v["criterion"], "cv:5");
    let (best, grid) = best_and_grid(&v);
    // Same criterion (the mean over the same 5 folds) for both searches: the hypergradient run
    // must land within 1 % of the grid's best with at most a third of its evaluations.
    assert!(best <= 1.01 * grid, "{best} vs grid {grid}");
    assert!(v["evaluations"].as_u64().unwrap() * 3 <= 30, "{v}");
}

#[test]
fn sure_criteria_select_without_validation_data() {
    // σ ≈ 55 is the residual level of diabetes (held-out MSE ≈ 3 000).
    let fdmc = json(&hypergrad(&[
        "select",
        "--criterion",
        "fdmc-sure:55",
        "--compare",
        "--json",
    ]));
    let (best, grid) = best_and_grid(&fdmc);
    // SURE is a risk estimate minus nσ², so negative here: "within 1 %" of the grid's best.
    assert!(best <= grid + 0.01 * grid.abs(), "{best} vs grid {grid}");
    // Exact SURE, and MC-SURE of an ℓ1 model, default to grid search (their df jumps with the
    // support).
    for criterion in ["sure:55", "mc-sure:55"] {
        let v = json(&hypergrad(&["select", "--criterion", criterion, "--json"]));
        assert_eq!(v["method"], "grid", "{criterion}");
        assert!(v["value"].as_f64().unwrap().is_finite());
    }
    // MC-SURE of ridge is smooth: gradient descent on its exact hypergradient.
    let ridge = json(&hypergrad(&[
        "select",
        "--criterion",
        "mc-sure:55",
        "--model",
        "ridge",
        "--compare",
        "--json",
    ]));
    assert_eq!(ridge["method"], "auto");
    let (best, grid) = best_and_grid(&ridge);
    assert!(best <= grid + 0.01 * grid.abs(), "{best} vs grid {grid}");
}

#[test]
fn grad_and_solve_print_the_documented_objects() {
    let g = json(&hypergrad(&["grad", "--alpha", "1.0", "--json"]));
    for key in [
        "model",
        "method",
        "log_alpha",
        "value",
        "grad",
        "nnz",
        "inner_iterations",
        "seconds",
    ] {
        assert!(!g[key].is_null(), "missing {key}: {g}");
    }
    // Two methods agree on the same hypergradient (relative 1e-5).
    let f = json(&hypergrad(&[
        "grad",
        "--log-alpha",
        "0",
        "--method",
        "forward",
        "--json",
    ]));
    let (a, b) = (
        g["grad"][0].as_f64().unwrap(),
        f["grad"][0].as_f64().unwrap(),
    );
    assert!((a - b).abs() <= 1e-5 * a.abs(), "{a} vs {b}");
    let s = json(&hypergrad(&["solve", "--alpha", "0.5", "--json"]));
    assert_eq!(s["coef"].as_array().unwrap().len(), 10);
    assert!(s["gap"].as_f64().unwrap() >= 0.0 && s["iterations"].as_u64().unwrap() > 0);
}

#[test]
fn bad_input_is_a_one_line_error() {
    assert_one_line_error(
        &hypergrad(&["select", "--data", "/nonexistent.csv"]),
        "/nonexistent.csv",
    );
    assert_one_line_error(
        &hypergrad(&["select", "--model", "foo"]),
        "invalid value 'foo'",
    );
    assert_one_line_error(
        &hypergrad(&["grad", "--alpha", "-1"]),
        "--alpha must be positive",
    );
    // grid / random are `select`'s baselines: `grad` does not list them, `solve` has no method.
    assert_one_line_error(
        &hypergrad(&["grad", "--alpha", "1", "--method", "grid"]),
        "invalid value 'grid'",
    );
    assert_one_line_error(
        &hypergrad(&["solve", "--alpha", "1", "--method", "auto"]),
        "unexpected argument",
    );
    assert_one_line_error(&hypergrad(&["solve", "--alpha", "1,2"]), "needs 1 value");
    assert_one_line_error(
        &hypergrad(&["select", "--tol", "0"]),
        "--tol must be positive",
    );
    let dir = std::env::temp_dir().join(format!("hypergrad-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "a,b\n1,2\n3,x\n").unwrap();
    assert_one_line_error(
        &hypergrad(&["select", "--data", bad.to_str().unwrap()]),
        "line 3",
    );
    let nan = dir.join("nan.csv");
    std::fs::write(&nan, "1,2\nNaN,3\n").unwrap();
    assert_one_line_error(
        &hypergrad(&["select", "--data", nan.to_str().unwrap()]),
        "not finite",
    );
    let svm = dir.join("bad.svm");
    std::fs::write(&svm, "1 2:1 1:3\n").unwrap();
    assert_one_line_error(
        &hypergrad(&["select", "--data", svm.to_str().unwrap()]),
        "indices must increase",
    );
    for (args, needle) in [
        (
            &["select", "--criterion", "sure:0"][..],
            "σ must be a positive",
        ),
        (
            &["select", "--criterion", "fdmc-sure:-2"],
            "σ must be a positive",
        ),
        (&["select", "--criterion", "cv:1"], "K ≥ 2"),
        (&["select", "--criterion", "aic"], "unknown criterion"),
        (
            &["select", "--criterion", "cv:5", "--val", "diabetes"],
            "--val and --split do not apply",
        ),
        (
            &["solve", "--alpha", "1", "--split", "1.5"],
            "--split must lie",
        ),
        (
            &["select", "--plot", "/nonexistent/dir/plot.svg"],
            "/nonexistent/dir",
        ),
    ] {
        assert_one_line_error(&hypergrad(args), needle);
    }
    let diabetes_labels = hypergrad(&["select", "--model", "logreg", "--data", "diabetes"]);
    assert_one_line_error(&diabetes_labels, "y");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A scratch directory removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hypergrad-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hypergrad"))
        .args(["select", "--max-outer", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the report is written: the write fails with EPIPE.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !err.contains("panicked"), "{err}");
}

#[test]
fn format_is_detected_from_the_content_or_given() {
    let dir = Scratch::new("format");
    let csv = "a,b,y\n1,0,1.1\n2,1,2.9\n3,0,3.2\n4,1,5.1\n5,0,4.8\n6,1,6.9\n";
    for name in ["upper.CSV", "data.txt", "noext"] {
        let path = dir.file(name, csv);
        let v = json(&hypergrad(&[
            "solve", "--data", &path, "--alpha", "0.1", "--json",
        ]));
        assert_eq!(v["coef"].as_array().unwrap().len(), 2, "{name}");
    }
    let path = dir.file("as_svm.csv", csv);
    assert_one_line_error(
        &hypergrad(&[
            "solve", "--data", &path, "--alpha", "0.1", "--format", "libsvm",
        ]),
        "line 1",
    );
    // A byte-order mark in LIBSVM.
    let svm = dir.file("bom.svm", "\u{FEFF}1 1:1\n2 1:2 2:1\n3 1:3\n4 2:2\n");
    json(&hypergrad(&[
        "solve", "--data", &svm, "--alpha", "0.1", "--json",
    ]));
}

#[test]
fn nothing_to_select_is_named() {
    let dir = Scratch::new("null");
    for (text, needle) in [
        ("1,2\n3,4\n", "an intercept needs at least 2"),
        ("1,0\n3,0\n4,0\n5,0\n", "the target is zero"),
        ("1,0\n3,0\n4,0\n5,0\n", "the target is zero"),
        ("1 qid:1\n-1\n1 qid:2\n", "no row has a non-zero feature"),
    ] {
        let path = dir.file("null.txt", text);
        let o = hypergrad(&["select", "--data", &path]);
        assert_one_line_error(&o, needle);
        assert!(!String::from_utf8_lossy(&o.stderr).contains("bounds"));
    }
}

#[test]
fn every_printed_number_is_finite() {
    // σ = 1e300: n·σ² overflows; the criterion is −∞.
    assert_one_line_error(
        &hypergrad(&["select", "--criterion", "sure:1e300", "--json"]),
        "not finite",
    );
    let dir = Scratch::new("finite");
    let big = dir.file(
        "big.csv",
        "a,b,y\n1,1e308,2\n2,-1e308,3\n3,1e308,1e308\n5,1,-1e308\n",
    );
    assert_one_line_error(&hypergrad(&["select", "--data", &big]), "not finite");
    // A value-only grid has no gradient: `-`, not NaN.
    let o = hypergrad(&["select", "--method", "grid", "--max-outer", "1"]);
    let text = stdout(&o);
    assert!(
        o.status.success() && !text.contains("NaN") && text.contains(" - "),
        "{text}"
    );
    let solve = stdout(&hypergrad(&["solve", "--alpha", "1"]));
    assert!(
        solve.contains("duality gap ") && !solve.contains("Some("),
        "{solve}"
    );
}

#[test]
fn grad_json_carries_the_warnings() {
    // The elastic net near α = 0 to a relative gap of 1e-300 stops at its iteration cap: the
    // warning must reach the JSON.
    let v = json(&hypergrad(&[
        "grad",
        "--model",
        "enet",
        "--alpha",
        "1e-8,1e-10",
        "--tol",
        "1e-300",
        "--json",
    ]));
    assert_eq!(v["inner_converged"], false);
    assert_eq!(v["warnings"], serde_json::json!(["InnerNotConverged"]));
    let ok = json(&hypergrad(&["grad", "--alpha", "1", "--json"]));
    assert_eq!(ok["warnings"], serde_json::json!([]));
    assert!(ok["support_size"].as_u64().is_some());
}

#[test]
fn huge_feature_indices_are_listed_by_index() {
    let dir = Scratch::new("hashed");
    let path = dir.file(
        "hashed.svm",
        "1 4000000000:1\n-1 3:1 4000000000:2\n1 3:2\n2 18446744073709551615:1\n",
    );
    let v = json(&hypergrad(&[
        "solve", "--data", &path, "--alpha", "0.01", "--json",
    ]));
    assert_eq!(
        v["feature_index"],
        serde_json::json!([3_u64, 4_000_000_000_u64, u64::MAX])
    );
    assert_eq!(v["coef"].as_array().unwrap().len(), 3);
}

/// CSV training data with validation data in LIBSVM (the same rows) selects exactly what CSV
/// validation data selects: one preparation rule whatever the format.
#[test]
fn validation_format_does_not_change_the_selection() {
    let dir = Scratch::new("valformat");
    let row = |i: usize| {
        let (a, b, c) = ((i * 7 % 11) as f64, (i * 5 % 13) as f64, (i % 3) as f64);
        (a, b, c, 3.0 * a - 2.0 * b + c + 0.5 * ((i * 3 % 7) as f64))
    };
    let (mut train, mut val_csv, mut val_svm) = (String::new(), String::new(), String::new());
    for i in 0..60 {
        let (a, b, c, y) = row(i);
        train += &format!("{a},{b},{c},{y}\n");
    }
    for i in 60..90 {
        let (a, b, c, y) = row(i);
        val_csv += &format!("{a},{b},{c},{y}\n");
        val_svm += &format!("{y} 1:{a} 2:{b} 3:{c}\n");
    }
    let (train, val_csv, val_svm) = (
        dir.file("train.csv", &train),
        dir.file("val.csv", &val_csv),
        dir.file("val.svm", &val_svm),
    );
    let run = |val: &str| {
        json(&hypergrad(&[
            "select",
            "--data",
            &train,
            "--val",
            val,
            "--max-outer",
            "5",
            "--json",
        ]))
    };
    let (a, b) = (run(&val_csv), run(&val_svm));
    // The LIBSVM validation set stays sparse and is centered implicitly (X_jᵀv − m_j·Σv) where
    // the CSV one is centered entry by entry: the same numbers up to rounding (1e-12 relative
    // after five outer steps; a different rule would differ in the leading digits).
    let close = |u: &serde_json::Value, v: &serde_json::Value| {
        let (u, v) = (u.as_f64().unwrap(), v.as_f64().unwrap());
        (u - v).abs() <= 1e-12 * u.abs().max(v.abs())
    };
    assert!(close(&a["value"], &b["value"]), "{a} vs {b}");
    assert!(close(&a["log_alpha"][0], &b["log_alpha"][0]), "{a} vs {b}");
}

/// Every file of the fuzz corpus (the crashing and wrong files of issue 13) through `select`
/// and `solve`: a result whose numbers are finite, or a one-line error; never a panic or abort.
#[test]
fn every_corpus_file_ends_in_a_result_or_a_one_line_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../optim/tests/fuzz_corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20);
    for path in files {
        let path = path.to_str().unwrap();
        for args in [
            &["select", "--max-outer", "2", "--json", "--data", path][..],
            &["solve", "--alpha", "0.1", "--json", "--data", path],
        ] {
            let o = hypergrad(args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.code().is_some(), "{args:?}: killed by a signal");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            if o.status.success() {
                let text = stdout(&o);
                assert!(
                    !text.contains("null") && !text.contains("NaN"),
                    "{args:?}: {text}"
                );
            } else {
                let lines: Vec<&str> = err
                    .lines()
                    .filter(|l| !l.starts_with("note:") && !l.starts_with("warning:"))
                    .collect();
                assert!(
                    lines.len() == 1 && lines[0].starts_with("error: "),
                    "{args:?}: {err}"
                );
            }
        }
    }
}

#[test]
fn hoag_from_the_command_line_reaches_the_grid() {
    // The main job with HOAG as the outer optimizer: its best held-out error within 0.1 % of the
    // 30-point grid's (the continuous optimum lies between grid points, so it may be lower).
    let v = json(&hypergrad(&[
        "select",
        "--optimizer",
        "hoag",
        "--compare",
        "--json",
    ]));
    let (ours, grid) = best_and_grid(&v);
    assert!(ours <= grid * 1.001, "hoag {ours} vs grid {grid}");
}

/// `--model logreg` fits an unpenalized intercept by default (reported, and used by the
/// held-out loss of `grad` and `select`), none with `--no-intercept`; one class with an
/// intercept, or labels other than ±1, are one-line errors.
#[test]
fn logreg_fits_an_intercept_unless_told_not_to() {
    let scratch = Scratch::new("logreg");
    // Unbalanced labels: the intercept is far from 0.
    let rows: String = (0..40)
        .map(|i| {
            let (a, b) = ((i % 7) as f64 - 3.0, (i % 5) as f64 * 0.5);
            let label = if i % 4 == 0 || a > 2.0 { 1 } else { -1 };
            format!("{a},{b},{label}\n")
        })
        .collect();
    let file = scratch.file("logreg.csv", &rows);
    let run = |extra: &[&str]| {
        let mut args = vec!["solve", "--model", "logreg", "--data", &file];
        args.extend(["--alpha", "0.01", "--tol", "1e-12", "--json"]);
        args.extend(extra);
        json(&hypergrad(&args))
    };
    let with = run(&[]);
    assert_eq!(with["conventions"]["intercept"], true);
    let b = with["intercept"].as_f64().unwrap();
    assert!(b < -0.3, "intercept {b}");
    let without = run(&["--no-intercept"]);
    assert_eq!(without["conventions"]["intercept"], false);
    assert_eq!(without["intercept"].as_f64().unwrap(), 0.0);
    assert_ne!(with["coef"], without["coef"]);
    let human = stdout(&hypergrad(&[
        "solve", "--model", "logreg", "--data", &file, "--alpha", "0.01",
    ]));
    assert!(human.contains("intercept fitted"), "{human}");
    // grad: the hypergradient with the intercept, its value the held-out loss with b.
    let grad = json(&hypergrad(&[
        "grad", "--model", "logreg", "--data", &file, "--split", "0.3", "--alpha", "0.01", "--json",
    ]));
    assert!(grad["grad"][0].as_f64().unwrap().is_finite());
    assert!(grad["intercept"].as_f64().unwrap() != 0.0);
    let select = json(&hypergrad(&[
        "select",
        "--model",
        "logreg",
        "--data",
        &file,
        "--max-outer",
        "5",
        "--json",
    ]));
    assert_eq!(select["conventions"]["intercept"], true);
    let one_class = scratch.file("one.csv", "1,2,1\n3,4,1\n5,0,1\n");
    assert_one_line_error(
        &hypergrad(&[
            "solve", "--model", "logreg", "--data", &one_class, "--alpha", "0.1",
        ]),
        "both labels",
    );
    // Without an intercept one class is a valid (if dull) problem.
    assert!(hypergrad(&[
        "solve",
        "--model",
        "logreg",
        "--data",
        &one_class,
        "--alpha",
        "0.1",
        "--no-intercept"
    ])
    .status
    .success());
    let zero_one = scratch.file("01.csv", "1,2,1\n3,4,0\n5,0,1\n");
    assert_one_line_error(
        &hypergrad(&[
            "solve", "--model", "logreg", "--data", &zero_one, "--alpha", "0.1",
        ]),
        "−1 or +1",
    );
}

/// A fresh scratch directory for the files of test `name`.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hypergrad-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn folds_from_a_file_are_the_mean_of_their_held_out_fits() {
    // Two folds of dense.csv, the even and the odd rows: the CV criterion at any α is the mean
    // of the held-out criteria of `grad` trained on one half and validated on the other.
    let dir = scratch("folds");
    let data = include_str!("data/dense.csv");
    let rows: Vec<&str> = data.lines().collect();
    let half = |parity: usize| -> String {
        rows.iter()
            .skip(parity)
            .step_by(2)
            .map(|r| format!("{r}\n"))
            .collect()
    };
    let (even, odd, labels) = (dir.join("even.csv"), dir.join("odd.csv"), dir.join("folds"));
    std::fs::write(&even, half(0)).unwrap();
    std::fs::write(&odd, half(1)).unwrap();
    let text: String = (0..rows.len())
        .map(|i| if i % 2 == 0 { "even\n" } else { "odd\n" })
        .collect();
    std::fs::write(&labels, text).unwrap();
    let dense = "tests/data/dense.csv";
    let v = json(&hypergrad(&[
        "select",
        "--data",
        dense,
        "--criterion",
        "cv",
        "--folds",
        path(&labels),
        "--method",
        "grid",
        "--max-outer",
        "3",
        "--tol",
        "1e-12",
        "--json",
    ]));
    assert_eq!(v["criterion"], "cv");
    let steps = v["trajectory"].as_array().unwrap();
    assert_eq!(steps.len(), 3, "{v}");
    for step in steps {
        let log_alpha = step["log_alpha"][0].as_f64().unwrap().to_string();
        let held_out = |train: &str, val: &str| {
            json(&hypergrad(&[
                "grad",
                "--data",
                train,
                "--val",
                val,
                "--log-alpha",
                &log_alpha,
                "--tol",
                "1e-12",
                "--json",
            ]))["value"]
                .as_f64()
                .unwrap()
        };
        let mean = 0.5 * (held_out(path(&even), path(&odd)) + held_out(path(&odd), path(&even)));
        let cv = step["value"].as_f64().unwrap();
        assert!((cv - mean).abs() <= 1e-8 * mean, "{cv} vs {mean}");
    }
    // Bad fold files and combinations: one-line errors naming the cause.
    let short = dir.join("short");
    std::fs::write(&short, "0\n1\n").unwrap();
    let single = dir.join("single");
    std::fs::write(&single, "0\n".repeat(rows.len())).unwrap();
    let wide = dir.join("wide");
    std::fs::write(&wide, "0,1\n".repeat(rows.len())).unwrap();
    for (args, needle) in [
        (vec!["--criterion", "cv"], "needs a file of fold labels"),
        (
            vec!["--criterion", "cv:3", "--folds", path(&labels)],
            "not cv:K",
        ),
        (vec!["--folds", path(&labels)], "--criterion cv only"),
        (
            vec!["--criterion", "cv", "--folds", path(&short)],
            "2 label(s) for 40 rows",
        ),
        (
            vec!["--criterion", "cv", "--folds", path(&single)],
            "1 distinct label(s)",
        ),
        (
            vec!["--criterion", "cv", "--folds", path(&wide)],
            "line 1 holds `0,1`",
        ),
        (
            vec!["--criterion", "cv", "--folds", "/nonexistent"],
            "--folds /nonexistent",
        ),
    ] {
        let mut all = vec!["select", "--data", dense, "--max-outer", "2"];
        all.extend(args);
        assert_one_line_error(&hypergrad(&all), needle);
    }
}

#[test]
fn elastic_net_with_a_mixing_ratio_has_one_hyperparameter() {
    // R = 1 is the Lasso.
    let coef = |args: &[&str]| {
        let mut all = vec!["solve", "--alpha", "0.5", "--tol", "1e-12", "--json"];
        all.extend(args);
        let v = json(&hypergrad(&all));
        (v["coef"].clone(), v["l1_ratio"].clone())
    };
    let (lasso, none) = coef(&[]);
    let (enet, ratio) = coef(&["--model", "enet", "--l1-ratio", "1"]);
    assert_eq!(ratio, 1.0);
    assert!(none.is_null());
    let (a, b) = (lasso.as_array().unwrap(), enet.as_array().unwrap());
    for (u, v) in a.iter().zip(b) {
        let (u, v) = (u.as_f64().unwrap(), v.as_f64().unwrap());
        assert!((u - v).abs() <= 1e-9 * (1.0 + u.abs()), "{lasso} vs {enet}");
    }
    let v = json(&hypergrad(&[
        "select",
        "--model",
        "enet",
        "--l1-ratio",
        "0.5",
        "--max-outer",
        "5",
        "--json",
    ]));
    assert_eq!(v["log_alpha"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["l1_ratio"], 0.5);
    let g = json(&hypergrad(&[
        "grad",
        "--model",
        "enet",
        "--l1-ratio",
        "0.5",
        "--alpha",
        "1",
        "--split",
        "0.3",
        "--json",
    ]));
    assert_eq!(g["grad"].as_array().unwrap().len(), 1, "{g}");
    // Monte-Carlo SURE uses the model's ridge weight (1 − R)α.
    json(&hypergrad(&[
        "select",
        "--model",
        "enet",
        "--l1-ratio",
        "0.5",
        "--criterion",
        "mc-sure:55",
        "--method",
        "implicit-forward",
        "--max-outer",
        "3",
        "--json",
    ]));
    for (args, needle) in [
        (vec!["--l1-ratio", "0.5"], "--model enet only"),
        (vec!["--model", "enet", "--l1-ratio", "0"], "(0, 1], got 0"),
        (
            vec!["--model", "enet", "--l1-ratio", "1.5"],
            "(0, 1], got 1.5",
        ),
        (
            vec!["--model", "enet", "--l1-ratio", "NaN"],
            "(0, 1], got NaN",
        ),
    ] {
        let mut all = vec!["solve", "--alpha", "1"];
        all.extend(args);
        assert_one_line_error(&hypergrad(&all), needle);
    }
    assert_one_line_error(
        &hypergrad(&[
            "solve",
            "--model",
            "enet",
            "--l1-ratio",
            "0.5",
            "--alpha",
            "1,2",
        ]),
        "needs 1 value",
    );
}

#[test]
fn column_scales_far_apart_get_a_warning_unless_standardized() {
    let warnings = |o: &Output| -> (Vec<serde_json::Value>, String) {
        let v = json(o);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        (v["warnings"].as_array().unwrap().clone(), stderr)
    };
    // The embedded diabetes data (unit-norm columns): no warning, in any command.
    for args in [
        &["solve", "--alpha", "1", "--json"][..],
        &["grad", "--alpha", "1", "--split", "0.3", "--json"],
        &["select", "--max-outer", "3", "--json"],
    ] {
        let (json_warnings, stderr) = warnings(&hypergrad(args));
        assert!(json_warnings.is_empty(), "{json_warnings:?}");
        assert!(!stderr.contains("warning:"), "{stderr}");
    }
    // dense.csv with its first column in units 10⁴ times smaller: spreads about 10⁴ apart.
    let dir = scratch("scales");
    let file = dir.join("scaled.csv");
    let scaled: String = include_str!("data/dense.csv")
        .lines()
        .map(|row| {
            let (first, rest) = row.split_once(',').unwrap();
            format!("{},{rest}\n", first.parse::<f64>().unwrap() * 1e4)
        })
        .collect();
    std::fs::write(&file, scaled).unwrap();
    for extra in [&[][..], &["--no-intercept"]] {
        for command in [
            &["solve", "--alpha", "1"][..],
            &["select", "--max-outer", "3"],
        ] {
            let mut args = command.to_vec();
            args.extend(["--data", path(&file), "--json"]);
            args.extend(extra);
            let (json_warnings, stderr) = warnings(&hypergrad(&args));
            assert_eq!(json_warnings.len(), 1, "{json_warnings:?}");
            let text = json_warnings[0].as_str().unwrap();
            assert!(text.contains("consider --standardize"), "{text}");
            assert!(stderr.contains(&format!("warning: {text}")), "{stderr}");
            args.push("--standardize");
            let (json_warnings, stderr) = warnings(&hypergrad(&args));
            assert!(json_warnings.is_empty(), "{json_warnings:?}");
            assert!(!stderr.contains("warning:"), "{stderr}");
        }
    }
}

/// The coefficients and intercept of a `solve --json`.
fn fit(v: &serde_json::Value) -> (Vec<f64>, f64) {
    let coef = v["coef"].as_array().unwrap();
    let coef = coef.iter().map(|c| c.as_f64().unwrap()).collect();
    (coef, v["intercept"].as_f64().unwrap())
}

#[test]
fn group_lasso_takes_its_groups_from_a_file() {
    let dir = scratch("groups");
    let write = |name: &str, text: &str| {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        file
    };
    // Singleton groups: the Lasso, dense and sparse.
    for (data, p) in [("tests/data/dense.csv", 6), ("tests/data/sparse.svm", 10)] {
        let singletons = write(
            "singletons",
            &(0..p).map(|j| format!("{j}\n")).collect::<String>(),
        );
        let solve = |args: &[&str]| {
            let mut all = vec![
                "solve", "--data", data, "--alpha", "0.3", "--tol", "1e-12", "--json",
            ];
            all.extend(args);
            fit(&json(&hypergrad(&all)))
        };
        let (lasso, b) = solve(&[]);
        let (group, c) = solve(&["--model", "group-lasso", "--groups", path(&singletons)]);
        let scale = lasso.iter().fold(b.abs(), |m, v| m.max(v.abs()));
        let worst = lasso
            .iter()
            .zip(&group)
            .fold((b - c).abs(), |m, (u, v)| m.max((u - v).abs()));
        assert!(worst <= 1e-8 * scale, "{data}: {lasso:?} vs {group:?}");
    }
    // Pairs of features on dense.csv: the optimality conditions of
    // 1/(2n)‖y − b − Xβ‖² + α Σ_g ‖β_g‖₂ at the printed solution, with r = y − b − Xβ:
    // X_gᵀr/n = α β_g/‖β_g‖ on a non-zero group, ‖X_gᵀr/n‖ ≤ α on a zero one, Σ r = 0.
    let pairs = write("pairs", "x\nx\ny\ny\nz\nz\n");
    // `COMMAND --data dense.csv --model group-lasso --groups pairs EXTRA…`, its JSON.
    let on_pairs = |command: &str, extra: &[&str]| {
        let mut all = vec![
            command,
            "--data",
            "tests/data/dense.csv",
            "--model",
            "group-lasso",
            "--groups",
            path(&pairs),
        ];
        all.extend_from_slice(extra);
        json(&hypergrad(&all))
    };
    let alpha = 1.8;
    let v = on_pairs("solve", &["--alpha", "1.8", "--tol", "1e-14", "--json"]);
    let (beta, b) = fit(&v);
    let rows: Vec<Vec<f64>> = include_str!("data/dense.csv")
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let n = rows.len() as f64;
    let r: Vec<f64> = rows
        .iter()
        .map(|row| row[6] - b - (0..6).map(|j| row[j] * beta[j]).sum::<f64>())
        .collect();
    assert!(r.iter().sum::<f64>().abs() <= 1e-8 * n, "Σ r");
    let mut zero_groups = 0;
    for g in 0..3 {
        let corr: Vec<f64> = (2 * g..2 * g + 2)
            .map(|j| rows.iter().zip(&r).map(|(row, r)| row[j] * r).sum::<f64>() / n)
            .collect();
        let norm = beta[2 * g].hypot(beta[2 * g + 1]);
        if norm == 0.0 {
            zero_groups += 1;
            assert!(
                corr[0].hypot(corr[1]) <= alpha * (1.0 + 1e-6),
                "group {g}: {corr:?}"
            );
        } else {
            for k in 0..2 {
                let want = alpha * beta[2 * g + k] / norm;
                assert!(
                    (corr[k] - want).abs() <= 1e-6 * alpha,
                    "group {g}: {corr:?} vs {want}"
                );
            }
        }
    }
    assert!(
        (1..3).contains(&zero_groups),
        "a zero and a non-zero group: {beta:?}"
    );
    // select, every criterion that applies; errors on bad groups.
    let (best, grid) = best_and_grid(&on_pairs("select", &["--compare", "--json"]));
    assert!(best <= 1.01 * grid, "{best} vs grid {grid}");
    for criterion in ["cv:3", "fdmc-sure:1"] {
        on_pairs(
            "select",
            &["--criterion", criterion, "--max-outer", "3", "--json"],
        );
    }
    let five = write("five", "0\n0\n1\n1\n2\n");
    for (args, needle) in [
        (vec!["--model", "group-lasso"], "needs --groups FILE"),
        (vec!["--groups", path(&pairs)], "--model group-lasso only"),
        (
            vec!["--model", "group-lasso", "--groups", path(&five)],
            "5 label(s) for 6 features",
        ),
        (
            vec![
                "--model",
                "group-lasso",
                "--groups",
                path(&pairs),
                "--criterion",
                "mc-sure:1",
            ],
            "linear in y on its support",
        ),
    ] {
        let mut all = vec![
            "select",
            "--data",
            "tests/data/dense.csv",
            "--max-outer",
            "2",
        ];
        all.extend(args);
        assert_one_line_error(&hypergrad(&all), needle);
    }
}

#[test]
fn multitask_lasso_takes_its_targets_from_the_last_columns() {
    // dense.csv with its target twice (K = 2): Σ_j ‖B_j‖₂ = √2 ‖β‖₁ for B = [β, β], so the
    // multitask Lasso at α is the Lasso at α/√2 in each task, with the same intercept, the same
    // held-out MSE (the mean over the tasks) and the same derivative in log α.
    let dir = scratch("targets");
    let twice = |name: &str, text: &str| {
        let file = dir.join(name);
        let rows: String = text
            .lines()
            .map(|row| format!("{row},{}\n", row.rsplit(',').next().unwrap()))
            .collect();
        std::fs::write(&file, rows).unwrap();
        file
    };
    let train = twice("train.csv", include_str!("data/dense.csv"));
    let val = twice("val.csv", include_str!("data/dense_val.csv"));
    let alpha = 0.4_f64;
    let lasso_alpha = (alpha / 2f64.sqrt()).to_string();
    let lasso = json(&hypergrad(&[
        "grad",
        "--data",
        "tests/data/dense.csv",
        "--val",
        "tests/data/dense_val.csv",
        "--alpha",
        &lasso_alpha,
        "--tol",
        "1e-13",
        "--json",
    ]));
    let multi = json(&hypergrad(&[
        "grad",
        "--data",
        path(&train),
        "--val",
        path(&val),
        "--model",
        "multitask-lasso",
        "--targets",
        "2",
        "--alpha",
        "0.4",
        "--tol",
        "1e-13",
        "--json",
    ]));
    let number = |v: &serde_json::Value| v.as_f64().unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-7 * b.abs().max(1e-3);
    assert!(
        close(number(&multi["value"]), number(&lasso["value"])),
        "{multi} vs {lasso}"
    );
    assert!(
        close(number(&multi["grad"][0]), number(&lasso["grad"][0])),
        "{multi} vs {lasso}"
    );
    let coef = multi["coef"].as_array().unwrap();
    assert_eq!(coef.len(), 2, "one row per task: {multi}");
    for (t, task) in coef.iter().enumerate() {
        let want = lasso["coef"].as_array().unwrap();
        assert_eq!(task.as_array().unwrap().len(), 6);
        for (a, b) in task.as_array().unwrap().iter().zip(want) {
            assert!(close(number(a), number(b)), "task {t}: {task} vs {want:?}");
        }
        assert!(close(
            number(&multi["intercept"][t]),
            number(&lasso["intercept"])
        ));
    }
    // select, with cross-validation too; errors on bad input.
    for criterion in ["heldout", "cv:3"] {
        let v = json(&hypergrad(&[
            "select",
            "--data",
            path(&train),
            "--model",
            "multitask-lasso",
            "--targets",
            "2",
            "--criterion",
            criterion,
            "--max-outer",
            "5",
            "--standardize",
            "--json",
        ]));
        assert_eq!(v["intercept"].as_array().unwrap().len(), 2, "{v}");
    }
    let select = |args: &[&str]| {
        let mut all = vec!["select", "--max-outer", "2", "--data", path(&train)];
        all.extend(args);
        hypergrad(&all)
    };
    for (args, needle) in [
        (&["--model", "multitask-lasso"][..], "needs --targets K"),
        (&["--targets", "2"], "--model multitask-lasso only"),
        (&["--model", "multitask-lasso", "--targets", "1"], "K ≥ 2"),
        (
            &["--model", "multitask-lasso", "--targets", "8"],
            "no feature is left",
        ),
        (
            &[
                "--model",
                "multitask-lasso",
                "--targets",
                "2",
                "--criterion",
                "fdmc-sure:1",
            ],
            "does not apply to multitask-lasso",
        ),
        (
            &[
                "--model",
                "multitask-lasso",
                "--targets",
                "2",
                "--criterion",
                "sure:1",
            ],
            "exact for lasso and wlasso only",
        ),
    ] {
        assert_one_line_error(&select(args), needle);
    }
    assert_one_line_error(
        &hypergrad(&[
            "select",
            "--data",
            "tests/data/sparse.svm",
            "--model",
            "multitask-lasso",
            "--targets",
            "2",
        ]),
        "a CSV file",
    );
}
