//! The `hypergrad` command line.

fn main() {
    println!("hypergrad {}", env!("CARGO_PKG_VERSION"));
}
