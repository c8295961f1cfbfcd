//! A seeded mutation fuzzer for the data path on stable Rust: the readers (format detected or
//! forced), the CLI's preparation (split, column alignment, standardization, the `Xᵀy = 0`
//! check) and every preprocessing rule, over mutations of the corpus in `tests/fuzz_corpus`
//! (which holds every crashing or wrong file of issue 13).
//!
//! The test re-runs this binary as a worker process under a 1 GiB address-space limit (Linux),
//! so that an abort or an attempt to allocate far beyond the input's size kills only the worker,
//! and a hang is cut by a deadline; the input being processed is kept in a file so that the
//! report names it. Inside the worker a panic is caught and reported with its input, and so is
//! any input that takes longer than [`PER_INPUT`], returns a non-finite number, breaks a shape
//! invariant, or produces an error message of more than one line.
//!
//! `HYPERGRAD_FUZZ_ITERS` (default 50 000, about a second) sets the number of inputs,
//! `HYPERGRAD_FUZZ_SEED` (default 0) the seed: `HYPERGRAD_FUZZ_ITERS=1000000 cargo test
//! --release -p hypergrad-optim --test fuzz_data -- --nocapture` is a long run.

use hypergrad_optim::data::{
    check_signal, kfold, read_data, standardize, train_validation_split, ColumnMap, Dataset,
    Format, Preprocessing, Standardization,
};
use hypergrad_optim::Design;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest an input of at most [`MAX_INPUT`] bytes may take.
const PER_INPUT: Duration = Duration::from_millis(500);
/// Mutated inputs are cut to this many bytes.
const MAX_INPUT: usize = 4096;
/// The worker's address-space limit: far above what a 4 KiB input needs (a few MiB), far
/// below what the old reader asked for (800 MB to 32 GB for one large index).
const MEMORY_LIMIT_KIB: u64 = 1 << 20;

/// Fragments that reach the parsers' edge cases when inserted or substituted.
const DICTIONARY: &[&str] = &[
    "\n",
    "\r\n",
    ",",
    ":",
    " ",
    "\t",
    "#",
    "qid:",
    "qid:7 ",
    "\u{FEFF}",
    "0",
    "1",
    "-1",
    "+1",
    "0.1",
    "4294967296",
    "4000000000",
    "300000000",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "1e308",
    "-1.7e308",
    "1e-320",
    "NaN",
    "inf",
    "a",
    "\"",
    " 1:1",
    " 2:0",
    ":1",
    "1:",
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus")
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory exists")
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One to four random edits of a corpus file (or of a splice of two).
fn mutate(rng: &mut StdRng, corpus: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut input = corpus[rng.gen_range(0..corpus.len())].1.clone();
    // Mostly one edit, and mostly bytes of the formats' alphabet: most inputs stay readable
    // enough to reach the preprocessing.
    for _ in 0..[1, 1, 1, 2, 3, 4][rng.gen_range(0..6)] {
        let at = rng.gen_range(0..=input.len());
        match rng.gen_range(0..6) {
            0 if !input.is_empty() => {
                const ALPHABET: &[u8] = b"0123456789.:-+,e \n#";
                let i = rng.gen_range(0..input.len());
                input[i] = match rng.gen_bool(0.8) {
                    true => ALPHABET[rng.gen_range(0..ALPHABET.len())],
                    false => rng.gen(),
                };
            }
            1 => {
                let token = DICTIONARY[rng.gen_range(0..DICTIONARY.len())].as_bytes();
                input.splice(at..at, token.iter().copied());
            }
            2 => {
                let end = (at + rng.gen_range(1..16)).min(input.len());
                input.drain(at..end);
            }
            3 => {
                let end = (at + rng.gen_range(1..64)).min(input.len());
                let copy = input[at..end].to_vec();
                input.splice(at..at, copy);
            }
            4 => {
                let other = &corpus[rng.gen_range(0..corpus.len())].1;
                let from = rng.gen_range(0..=other.len());
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
            _ => {
                // Replace a run of digits by a dictionary number.
                let digits = |b: &u8| b.is_ascii_digit();
                if let Some(start) = input.iter().skip(at).position(digits).map(|p| p + at) {
                    let len = input[start..].iter().take_while(|b| digits(b)).count();
                    let token = DICTIONARY[rng.gen_range(15..22)].as_bytes();
                    input.splice(start..start + len, token.iter().copied());
                }
            }
        }
    }
    input.truncate(MAX_INPUT);
    input
}

fn all_finite(d: &Design) -> bool {
    match d {
        Design::Dense(x) => x.iter().all(|v| v.is_finite()),
        Design::Sparse(x) => x.data().iter().all(|v| v.is_finite()),
        Design::Centered { x, shift } => x.data().iter().chain(shift).all(|v| v.is_finite()),
    }
}

/// The invariants every successful step must keep.
fn check_dataset(d: &Dataset, what: &str) -> Result<(), String> {
    let (n, p) = (d.x.n_samples(), d.x.n_features());
    if d.y.len() != n || d.columns.kept().len() != p || n == 0 || p == 0 {
        return Err(format!("{what}: shapes n = {n}, p = {p}, y {}", d.y.len()));
    }
    if !all_finite(&d.x) || d.y.iter().any(|v| !v.is_finite()) {
        return Err(format!("{what}: a non-finite entry"));
    }
    Ok(())
}

fn check_error(e: impl std::fmt::Display, what: &str) -> Result<(), String> {
    let message = e.to_string();
    if message.contains('\n') || message.chars().count() > 300 {
        return Err(format!(
            "{what}: error message not one short line: {message:?}"
        ));
    }
    Ok(())
}

/// Every preprocessing rule on `d`, and the map back to the original scale.
fn exercise_preprocessing(d: &Dataset) -> Result<(), String> {
    for rule in [
        Standardization::NONE,
        Standardization::SCALE,
        Standardization::FULL,
    ] {
        let map = match Preprocessing::fit(&d.x, rule) {
            Ok(map) => map,
            Err(e) => return check_error(e, "fit"),
        };
        let mut mapped = d.clone();
        match map.apply(&mut mapped) {
            Ok(()) => check_dataset(&mapped, "apply")?,
            Err(e) => check_error(e, "apply")?,
        }
        let (coef, b) = map
            .to_original(&vec![1.0; d.x.n_features()], 0.0)
            .map_err(|e| format!("to_original: {e}"))?;
        if coef.iter().any(|c| !c.is_finite()) || b.is_nan() {
            return Err(format!("to_original: {coef:?} {b}"));
        }
    }
    Ok(())
}

/// The CLI's path from bytes to prepared training and validation sets, in every format;
/// whether some format read the input as data.
fn exercise(input: &[u8], reference: &ColumnMap) -> Result<bool, String> {
    let mut read = false;
    for format in [None, Some(Format::Csv), Some(Format::Libsvm)] {
        let d = match read_data(input, format) {
            Ok(d) => d,
            Err(e) => {
                check_error(e, "read")?;
                continue;
            }
        };
        read = true;
        check_dataset(&d, "read")?;
        exercise_preprocessing(&d)?;
        let mut aligned = d.clone();
        match aligned.align_columns(reference) {
            Ok(()) => check_dataset(&aligned, "align")?,
            Err(e) => check_error(e, "align")?,
        }
        if d.y.len() < 2 {
            continue;
        }
        let (mut train, mut val) =
            train_validation_split(&d, 1.0 / 3.0, 0).map_err(|e| e.to_string())?;
        match standardize(&mut train, &mut val) {
            Ok(_) => {
                check_dataset(&train, "standardize train")?;
                check_dataset(&val, "standardize val")?;
                if let Err(e) = check_signal(&train.x, &train.y) {
                    check_error(e, "check_signal")?;
                }
            }
            Err(e) => check_error(e, "standardize")?,
        }
        for (train, val) in kfold(&d, 2, 1).map_err(|e| e.to_string())? {
            check_dataset(&train, "kfold")?;
            check_dataset(&val, "kfold")?;
        }
    }
    Ok(read)
}

/// What a worker found.
struct Finding {
    input: Vec<u8>,
    what: String,
}

/// Keeps the input being run in a file, as its length (8 bytes, little-endian) then its bytes,
/// rewritten in place: truncating the file each time made ext4 flush it to disk (10× slower).
struct Marker(std::fs::File);

impl Marker {
    fn record(&mut self, input: &[u8]) {
        use std::io::{Seek, Write};
        self.0.seek(std::io::SeekFrom::Start(0)).unwrap();
        self.0
            .write_all(&(input.len() as u64).to_le_bytes())
            .unwrap();
        self.0.write_all(input).unwrap();
    }

    fn read(path: &Path) -> Vec<u8> {
        let bytes = std::fs::read(path).unwrap_or_default();
        let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
            return Vec::new();
        };
        rest[..(u64::from_le_bytes(*len) as usize).min(rest.len())].to_vec()
    }
}

/// The worker: runs `HYPERGRAD_FUZZ_ITERS` inputs (the corpus first), recording each in
/// `marker` before running it; prints the throughput and the findings.
fn work(marker: &Path) {
    let mut marker = Marker(std::fs::File::create(marker).unwrap());
    let corpus = corpus();
    let reference = ColumnMap::identity(3);
    let seed = env_number("HYPERGRAD_FUZZ_SEED", 0);
    let iterations = env_number("HYPERGRAD_FUZZ_ITERS", 50_000) as usize;
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut findings, mut read) = (Vec::new(), 0);
    // Panics are caught and reported with their input; the default hook would print each.
    std::panic::set_hook(Box::new(|_| {}));
    let start = Instant::now();
    for k in 0..iterations.max(corpus.len()) {
        let input = match corpus.get(k) {
            Some((_, bytes)) => bytes.clone(),
            None => mutate(&mut rng, &corpus),
        };
        marker.record(&input);
        let begin = Instant::now();
        let outcome = std::panic::catch_unwind(|| exercise(&input, &reference));
        let elapsed = begin.elapsed();
        let what = match outcome {
            Ok(Ok(was_read)) if elapsed <= PER_INPUT => {
                read += usize::from(was_read);
                continue;
            }
            Ok(Ok(_)) => format!("took {elapsed:?}"),
            Ok(Err(what)) => what,
            Err(panic) => format!(
                "panic: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ),
        };
        findings.push(Finding { input, what });
    }
    let _ = std::panic::take_hook();
    let seconds = start.elapsed().as_secs_f64();
    let total = iterations.max(corpus.len());
    println!(
        "fuzz: {total} inputs ({read} read as data) in {seconds:.2} s ({:.0} inputs/s), \
         seed {seed}, {} findings",
        total as f64 / seconds,
        findings.len()
    );
    for f in &findings {
        println!(
            "finding: {} on {:?}",
            f.what,
            String::from_utf8_lossy(&f.input)
        );
    }
}

fn marker_path() -> PathBuf {
    std::env::temp_dir().join(format!("hypergrad-fuzz-input-{}", std::process::id()))
}

/// Runs inside the worker process only (a no-op in an ordinary test run).
#[test]
fn fuzz_worker() {
    if let Ok(marker) = std::env::var("HYPERGRAD_FUZZ_WORKER") {
        work(Path::new(&marker));
    }
}

#[test]
fn fuzz_readers_and_preprocessing() {
    let exe = std::env::current_exe().unwrap();
    let marker = marker_path();
    let args = ["fuzz_worker", "--exact", "--nocapture", "--test-threads=1"];
    let mut command = if cfg!(target_os = "linux") {
        let mut c = std::process::Command::new("sh");
        c.arg("-c")
            .arg(format!(
                "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
            ))
            .arg(&exe)
            .args(args);
        c
    } else {
        let mut c = std::process::Command::new(&exe);
        c.args(args);
        c
    };
    let mut child = command
        .env("HYPERGRAD_FUZZ_WORKER", &marker)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read the pipes while waiting (a full pipe would block the worker).
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    // Deadline: 1 ms per input (100× the measured mean), plus start-up; a hang stops there.
    let iterations = env_number("HYPERGRAD_FUZZ_ITERS", 50_000);
    let deadline = Instant::now() + Duration::from_secs(60) + Duration::from_millis(iterations);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let last_input = Marker::read(&marker);
    let _ = std::fs::remove_file(&marker);
    for line in stdout.lines() {
        if let Some(at) = line.find("fuzz: ").or_else(|| line.find("finding: ")) {
            println!("{}", &line[at..]);
        }
    }
    assert!(
        status.success(),
        "the worker died or was stopped ({status}) on input {:?}; stderr: {stderr}",
        String::from_utf8_lossy(&last_input),
    );
    assert!(stdout.contains(", 0 findings"), "{stdout}");
}
