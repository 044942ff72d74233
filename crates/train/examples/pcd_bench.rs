//! PCD-k throughput table (issue 3): `cargo run -p train --release --example pcd_bench [seconds]`.
//! Prints `impl nv nh chains k updates_per_sec` as TSV, matching `bench/pcd_bench.py`.

fn main() {
    let seconds: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    println!("impl\tnv\tnh\tchains\tk\tupdates_per_sec");
    for (nv, nh, chains, k) in [
        (784, 100, 2000, 10),
        (784, 500, 2000, 10),
        (100, 1, 1000, 20),
        (100, 3, 1000, 20),
        (100, 1, 100, 20),
        (100, 3, 100, 20),
    ] {
        let r = train::bench::pcd_updates_per_sec(nv, nh, chains, k, seconds);
        println!("rust\t{nv}\t{nh}\t{chains}\t{k}\t{r:.3}");
    }
}
