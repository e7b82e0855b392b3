//! Shows how the matcher reads a message: `cargo run --example explain -- "does djnago support async?"`

fn main() {
    let engine = signpost::Engine::load(None).expect("built-in knowledge loads");
    let q = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let (plain, slotted) = engine.matcher().explain(&q);
    println!("plain:   {plain:?}\nslotted: {slotted:?}");
    let m = engine.matcher().match_message(&q);
    println!(
        "frameworks {:?} aspects {:?} foreign {}",
        m.frameworks,
        m.aspects.iter().map(|&a| &engine.kb().aspects[a].id).collect::<Vec<_>>(),
        m.foreign_only
    );
    for (label, score) in m.ranked.iter().take(6) {
        println!("  {score:.3} {label:?}");
    }
    let a = engine.ask(&q).unwrap();
    println!("=> {} ({})", a.label(), a.confidence);
}
