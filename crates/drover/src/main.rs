fn main() {
    for crd in drover_api::crds() {
        println!("---\n{}", serde_json::to_string_pretty(&crd).unwrap());
    }
}
