//! Reading 100 MB LIBSVM files, 40 non-zeros per row with six-digit values: hashed-feature text
//! (indices up to 2²⁴, nearly one non-zero per column) and a narrow design (indices up to
//! 1000). Generated with seed 0 into the temp dir, reused across runs, never committed. Beside
//! them in the same run, the disk-side baseline: reading the same bytes from the page cache
//! and counting their lines. Criterion reports MB/s; the ratio is the parser's cost over raw
//! I/O.
//!
//! Run: `cargo bench --bench data_read -- --warm-up-time 1 --measurement-time 5`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hypergrad::optim::data::read_libsvm_file;
use rand::{Rng, SeedableRng};
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

const TARGET_BYTES: u64 = 100_000_000;
const PER_ROW: usize = 40;

/// The benchmark file with indices up to `max_index`, written once.
fn file(max_index: u64) -> PathBuf {
    let name = format!("hypergrad-bench-100MB-max{max_index}-seed0.svm");
    let path = std::env::temp_dir().join(name);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= TARGET_BYTES) {
        return path;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut written = 0;
    let mut line = String::new();
    while written < TARGET_BYTES {
        line.clear();
        line += if rng.gen_bool(0.5) { "1" } else { "-1" };
        let mut indices: Vec<u64> = (0..PER_ROW).map(|_| rng.gen_range(1..=max_index)).collect();
        indices.sort_unstable();
        indices.dedup();
        for i in indices {
            line += &format!(" {i}:{:.6}", rng.gen_range(-1.0..1.0));
        }
        line.push('\n');
        out.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
    }
    out.flush().unwrap();
    path
}

fn bench(c: &mut Criterion) {
    for (name, max_index) in [("hashed_2^24", 1 << 24), ("narrow_1000", 1000)] {
        let path = file(max_index);
        let bytes = std::fs::metadata(&path).unwrap().len();
        let mut group = c.benchmark_group(format!("read_100MB_libsvm/{name}"));
        group.sample_size(10).throughput(Throughput::Bytes(bytes));
        bench_file(&mut group, &path, bytes);
        group.finish();
    }
}

fn bench_file(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    path: &std::path::Path,
    bytes: u64,
) {
    group.bench_function("baseline: read bytes + count lines", |b| {
        let mut buffer = Vec::with_capacity(bytes as usize);
        b.iter(|| {
            buffer.clear();
            std::fs::File::open(path)
                .unwrap()
                .read_to_end(&mut buffer)
                .unwrap();
            buffer.iter().filter(|&&b| b == b'\n').count()
        })
    });
    group.bench_function("read_libsvm_file", |b| {
        b.iter(|| read_libsvm_file(path, None).unwrap().y.len())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
