//! The `kindest/node` images kind published: kind builds node images for some patch releases
//! only (`kindest/node:v1.32.1` never existed), so a node image cannot be derived from a version.
//!
//! The table is CAPI's own, `preBuiltMappings` in `test/infrastructure/kind/mapper.go` of
//! kubernetes-sigs/cluster-api (the file CAPD uses to pick how to run a node image), kept to the
//! images built by kind v0.20 and newer ("Mode 0.20") for Kubernetes 1.29 and newer, one image
//! per version: the newest kind build, as CAPD picks it (the list is newest first). CAPD matches
//! a rendered `customImage` against the same table, so a digest-pinned image from here runs the
//! way CAPD expects. To add a release, copy its line from a newer mapper.go (or kind's release
//! notes) to the top.

use crate::version::KubeVersion;

/// Published images: Kubernetes version and the image, pinned by digest. Newest kind build first;
/// every version appears once.
pub const KIND_IMAGES: &[(KubeVersion, &str)] = &[
    // kind v0.30
    (
        KubeVersion::new(1, 34, 0),
        "kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
    ),
    (
        KubeVersion::new(1, 33, 4),
        "kindest/node:v1.33.4@sha256:25a6018e48dfcaee478f4a59af81157a437f15e6e140bf103f85a2e7cd0cbbf2",
    ),
    (
        KubeVersion::new(1, 32, 8),
        "kindest/node:v1.32.8@sha256:abd489f042d2b644e2d033f5c2d900bc707798d075e8186cb65e3f1367a9d5a1",
    ),
    (
        KubeVersion::new(1, 31, 12),
        "kindest/node:v1.31.12@sha256:0f5cc49c5e73c0c2bb6e2df56e7df189240d83cf94edfa30946482eb08ec57d2",
    ),
    // kind v0.29
    (
        KubeVersion::new(1, 33, 1),
        "kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f",
    ),
    (
        KubeVersion::new(1, 32, 5),
        "kindest/node:v1.32.5@sha256:e3b2327e3a5ab8c76f5ece68936e4cafaa82edf58486b769727ab0b3b97a5b0d",
    ),
    (
        KubeVersion::new(1, 31, 9),
        "kindest/node:v1.31.9@sha256:b94a3a6c06198d17f59cca8c6f486236fa05e2fb359cbd75dabbfc348a10b211",
    ),
    (
        KubeVersion::new(1, 30, 13),
        "kindest/node:v1.30.13@sha256:397209b3d947d154f6641f2d0ce8d473732bd91c87d9575ade99049aa33cd648",
    ),
    // kind v0.27
    (
        KubeVersion::new(1, 33, 0),
        "kindest/node:v1.33.0@sha256:02f73d6ae3f11ad5d543f16736a2cb2a63a300ad60e81dac22099b0b04784a4e",
    ),
    (
        KubeVersion::new(1, 32, 2),
        "kindest/node:v1.32.2@sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f",
    ),
    (
        KubeVersion::new(1, 31, 6),
        "kindest/node:v1.31.6@sha256:28b7cbb993dfe093c76641a0c95807637213c9109b761f1d422c2400e22b8e87",
    ),
    (
        KubeVersion::new(1, 30, 10),
        "kindest/node:v1.30.10@sha256:4de75d0e82481ea846c0ed1de86328d821c1e6a6a91ac37bf804e5313670e507",
    ),
    (
        KubeVersion::new(1, 29, 14),
        "kindest/node:v1.29.14@sha256:8703bd94ee24e51b778d5556ae310c6c0fa67d761fae6379c8e0bb480e6fea29",
    ),
    // kind v0.26
    (
        KubeVersion::new(1, 32, 0),
        "kindest/node:v1.32.0@sha256:c48c62eac5da28cdadcf560d1d8616cfa6783b58f0d94cf63ad1bf49600cb027",
    ),
    (
        KubeVersion::new(1, 31, 4),
        "kindest/node:v1.31.4@sha256:2cb39f7295fe7eafee0842b1052a599a4fb0f8bcf3f83d96c7f4864c357c6c30",
    ),
    (
        KubeVersion::new(1, 30, 8),
        "kindest/node:v1.30.8@sha256:17cd608b3971338d9180b00776cb766c50d0a0b6b904ab4ff52fd3fc5c6369bf",
    ),
    (
        KubeVersion::new(1, 29, 12),
        "kindest/node:v1.29.12@sha256:62c0672ba99a4afd7396512848d6fc382906b8f33349ae68fb1dbfe549f70dec",
    ),
    // kind v0.25 (its v1.32.0 image was rebuilt by v0.26, above)
    (
        KubeVersion::new(1, 31, 2),
        "kindest/node:v1.31.2@sha256:18fbefc20a7113353c7b75b5c869d7145a6abd6269154825872dc59c1329912e",
    ),
    (
        KubeVersion::new(1, 30, 6),
        "kindest/node:v1.30.6@sha256:b6d08db72079ba5ae1f4a88a09025c0a904af3b52387643c285442afb05ab994",
    ),
    (
        KubeVersion::new(1, 29, 10),
        "kindest/node:v1.29.10@sha256:3b2d8c31753e6c8069d4fc4517264cd20e86fd36220671fb7d0a5855103aa84b",
    ),
    // kind v0.24
    (
        KubeVersion::new(1, 31, 0),
        "kindest/node:v1.31.0@sha256:53df588e04085fd41ae12de0c3fe4c72f7013bba32a20e7325357a1ac94ba865",
    ),
    (
        KubeVersion::new(1, 30, 4),
        "kindest/node:v1.30.4@sha256:976ea815844d5fa93be213437e3ff5754cd599b040946b5cca43ca45c2047114",
    ),
    (
        KubeVersion::new(1, 30, 3),
        "kindest/node:v1.30.3@sha256:bf91e1ef2f7d92bb7734b2b896b3dddea98f0496b34d96e37dd5d7df331b7e56",
    ),
    (
        KubeVersion::new(1, 29, 8),
        "kindest/node:v1.29.8@sha256:d46b7aa29567e93b27f7531d258c372e829d7224b25e3fc6ffdefed12476d3aa",
    ),
    (
        KubeVersion::new(1, 29, 7),
        "kindest/node:v1.29.7@sha256:f70ab5d833fca132a100c1f95490be25d76188b053f49a3c0047ff8812360baf",
    ),
    // kind v0.23
    (
        KubeVersion::new(1, 30, 0),
        "kindest/node:v1.30.0@sha256:047357ac0cfea04663786a612ba1eaba9702bef25227a794b52890dd8bcd692e",
    ),
    (
        KubeVersion::new(1, 29, 4),
        "kindest/node:v1.29.4@sha256:3abb816a5b1061fb15c6e9e60856ec40d56b7b52bcea5f5f1350bc6e2320b6f8",
    ),
    // kind v0.22 (its v1.29.1 image is newer than kind v0.21's)
    (
        KubeVersion::new(1, 29, 2),
        "kindest/node:v1.29.2@sha256:51a1434a5397193442f0be2a297b488b6c919ce8a3931be0ce822606ea5ca245",
    ),
    (
        KubeVersion::new(1, 29, 1),
        "kindest/node:v1.29.1@sha256:0c06baa545c3bb3fbd4828eb49b8b805f6788e18ce67bff34706ffa91866558b",
    ),
    // kind v0.20
    (
        KubeVersion::new(1, 29, 0),
        "kindest/node:v1.29.0@sha256:eaa1450915475849a73a9227b8f201df25e55e268e5d619312131292e324d570",
    ),
];

/// The published image of `version`, pinned by digest; `None` when kind published none.
pub fn kind_image(version: KubeVersion) -> Option<&'static str> {
    KIND_IMAGES
        .iter()
        .find(|(published, _)| *published == version)
        .map(|(_, image)| *image)
}

/// The versions with a published image, oldest first: those of `version`'s minor, or every one
/// when that minor has none.
pub fn published_versions(version: KubeVersion) -> Vec<KubeVersion> {
    let mut same_minor: Vec<KubeVersion> = KIND_IMAGES
        .iter()
        .map(|(published, _)| *published)
        .filter(|published| (published.major, published.minor) == (version.major, version.minor))
        .collect();
    if same_minor.is_empty() {
        same_minor = KIND_IMAGES
            .iter()
            .map(|(published, _)| *published)
            .collect();
    }
    same_minor.sort();
    same_minor.dedup();
    same_minor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_once_with_its_own_tag_and_a_digest() {
        let mut seen = std::collections::BTreeSet::new();
        for (version, image) in KIND_IMAGES {
            assert!(seen.insert(*version), "{version} listed twice");
            let (tag, digest) = image
                .strip_prefix("kindest/node:")
                .and_then(|rest| rest.split_once("@sha256:"))
                .unwrap_or_else(|| panic!("{image}"));
            assert_eq!(tag, version.to_string());
            assert_eq!(digest.len(), 64, "{image}");
            assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{image}");
        }
    }

    #[test]
    fn unpublished_patches_have_no_image_and_name_their_minors_releases() {
        assert_eq!(kind_image(KubeVersion::new(1, 32, 1)), None);
        assert!(
            kind_image(KubeVersion::new(1, 32, 8))
                .is_some_and(|image| image.starts_with("kindest/node:v1.32.8@sha256:"))
        );
        assert_eq!(
            published_versions(KubeVersion::new(1, 32, 1)),
            [0, 2, 5, 8].map(|patch| KubeVersion::new(1, 32, patch))
        );
        assert_eq!(
            published_versions(KubeVersion::new(1, 40, 0)).len(),
            KIND_IMAGES.len()
        );
    }
}
