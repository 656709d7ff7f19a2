//! `drover kubeconfig NAME [--oidc] [--output-file FILE]`: the workload cluster's kubeconfig from
//! CAPI's Secret (with `--oidc`, its server and CA with an OIDC sign-in instead of the admin user), printed or written to a file with mode 0600, atomically (a temporary file in the same
//! folder, renamed over the target), so a reader never sees half a file.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use drover_core::fleetview::oidc_kubeconfig::{claim_oidc, oidc_kubeconfig};
use drover_kube::fleet::{connect, find_claim, get_environment, read_kubeconfig};

use super::fleet_client::{block_on, options};
use crate::cli::KubeconfigArgs;

pub fn run(args: &KubeconfigArgs) -> anyhow::Result<ExitCode> {
    let kubeconfig = block_on(async {
        let client = connect(&options(&args.access)).await?;
        // With --oidc, the claim's OIDC provider first: no admin credentials are read for a
        // cluster people cannot sign in to.
        let oidc = match args.oidc {
            true => {
                let claim = find_claim(&client, &args.name, args.namespace.as_deref()).await?;
                let environment = get_environment(&client, &claim.spec.environment)
                    .await?
                    .ok_or_else(|| {
                        anyhow::anyhow!("Environment {} does not exist", claim.spec.environment)
                    })?;
                Some(claim_oidc(&claim, &environment).map_err(anyhow::Error::msg)?)
            }
            false => None,
        };
        let admin = read_kubeconfig(&client, &args.name, args.namespace.as_deref()).await?;
        anyhow::Ok(match oidc {
            Some(oidc) => {
                let admin = std::str::from_utf8(admin.bytes())
                    .context("the cluster's kubeconfig is not UTF-8")?;
                oidc_kubeconfig(&args.name, admin, &oidc)
                    .map_err(anyhow::Error::msg)?
                    .into_bytes()
            }
            None => admin.bytes().to_vec(),
        })
    })??;
    match &args.output_file {
        Some(path) => {
            write_private(path, &kubeconfig)?;
            eprintln!(
                "wrote the kubeconfig of {} to {}",
                args.name,
                path.display()
            );
        }
        None => std::io::stdout()
            .write_all(&kubeconfig)
            .context("writing to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to `path` readable by its owner only, replacing any file there atomically.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".drover-kubeconfig-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = builder
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing {}", file.path().display()))?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_private_and_replaced_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, "old content that is longer than the new one").expect("write");
        write_private(&path, b"apiVersion: v1\n").expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"apiVersion: v1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, ["kubeconfig"], "no temporary file left");
    }

    #[test]
    fn a_folder_in_the_way_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = write_private(dir.path(), b"x")
            .err()
            .map(|e| format!("{e:#}"));
        assert!(
            error.as_deref().is_some_and(|e| e.starts_with("writing ")),
            "{error:?}"
        );
    }
}
