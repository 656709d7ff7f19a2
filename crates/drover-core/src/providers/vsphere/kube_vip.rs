//! kube-vip on the control-plane nodes: a static pod that holds the cluster's VIP (by ARP) in
//! front of the API servers, written by kubeadm's bootstrap as CAPV's own templates do:
//!
//! - `/etc/kubernetes/manifests/kube-vip.yaml`, the static pod (CAPV's manifest, with the
//!   Infrastructure's image and the cluster's VIP);
//! - `/etc/kube-vip.hosts`, mounted as the pod's `/etc/hosts` so `kubernetes` resolves to the
//!   local API server (kube-vip issue 692);
//! - `/etc/pre-kubeadm-commands/50-kube-vip-prepare.sh`: from Kubernetes v1.29 `admin.conf` has
//!   no rights until `kubeadm init` finishes, so on the first control-plane node kube-vip uses
//!   `super-admin.conf` (kube-vip issue 684).

use std::net::IpAddr;

use serde_json::{Value, json};

/// kube-vip image used when the Infrastructure does not pin one.
pub const DEFAULT_KUBE_VIP_IMAGE: &str = "ghcr.io/kube-vip/kube-vip:v0.8.9";
/// Directory of scripts the nodes run, in name order, before kubeadm (CAPV's convention).
pub const PRE_KUBEADM_DIR: &str = "/etc/pre-kubeadm-commands";
/// Path of kube-vip's static pod manifest.
pub const MANIFEST_PATH: &str = "/etc/kubernetes/manifests/kube-vip.yaml";

const PREPARE_SCRIPT: &str = r#"#!/bin/bash
# kube-vip must reach the API server while `kubeadm init` runs. From Kubernetes v1.29 the
# admin.conf kubeadm writes is only authorised once init has finished, so the first
# control-plane node's kube-vip uses super-admin.conf (https://github.com/kube-vip/kube-vip/issues/684).
set -e
minor="$(kubeadm version -o short | cut -d '.' -f 2)"
if [ "$minor" -lt 29 ]; then
  exit 0
fi
# cloud-init writes this file only on the node that runs `kubeadm init`.
if [ -f /run/kubeadm/kubeadm.yaml ]; then
  sed -i 's#path: /etc/kubernetes/admin.conf#path: /etc/kubernetes/super-admin.conf#' /etc/kubernetes/manifests/kube-vip.yaml
fi
"#;

/// kube-vip's static pod holding `vip` for the API server on `port`.
fn pod(image: &str, vip: IpAddr, port: i32) -> Value {
    let env: Vec<Value> = [
        ("vip_arp", "true".to_owned()),
        ("port", port.to_string()),
        // Empty: kube-vip uses the interface of the default route.
        ("vip_interface", String::new()),
        (
            "vip_cidr",
            if vip.is_ipv4() { "32" } else { "128" }.to_owned(),
        ),
        ("cp_enable", "true".to_owned()),
        ("cp_namespace", "kube-system".to_owned()),
        ("vip_ddns", "false".to_owned()),
        ("svc_enable", "true".to_owned()),
        ("svc_leasename", "plndr-svcs-lock".to_owned()),
        ("svc_election", "true".to_owned()),
        ("vip_leaderelection", "true".to_owned()),
        ("vip_leasename", "plndr-cp-lock".to_owned()),
        ("vip_leaseduration", "15".to_owned()),
        ("vip_renewdeadline", "10".to_owned()),
        ("vip_retryperiod", "2".to_owned()),
        ("address", vip.to_string()),
        ("prometheus_server", ":2112".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| json!({ "name": name, "value": value }))
    .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": "kube-vip", "namespace": "kube-system" },
        "spec": {
            "containers": [ {
                "name": "kube-vip",
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "args": ["manager"],
                "env": env,
                "securityContext": { "capabilities": { "add": ["NET_ADMIN", "NET_RAW"] } },
                "volumeMounts": [
                    { "mountPath": "/etc/kubernetes/admin.conf", "name": "kubeconfig" },
                    { "mountPath": "/etc/hosts", "name": "etchosts" },
                ],
            } ],
            "hostNetwork": true,
            "volumes": [
                { "name": "kubeconfig", "hostPath": { "path": "/etc/kubernetes/admin.conf" } },
                { "name": "etchosts", "hostPath": { "path": "/etc/kube-vip.hosts", "type": "File" } },
            ],
        },
    })
}

/// The kubeadm `files` entries that run kube-vip on a control-plane node.
pub fn files(image: &str, vip: IpAddr, port: i32) -> Vec<Value> {
    vec![
        json!({
            "path": MANIFEST_PATH,
            "owner": "root:root",
            "permissions": "0644",
            "content": drover_yaml::to_yaml(&pod(image, vip, port)),
        }),
        json!({
            "path": "/etc/kube-vip.hosts",
            "owner": "root:root",
            "permissions": "0644",
            "content": "127.0.0.1 localhost kubernetes\n",
        }),
        json!({
            "path": format!("{PRE_KUBEADM_DIR}/50-kube-vip-prepare.sh"),
            "owner": "root:root",
            "permissions": "0700",
            "content": PREPARE_SCRIPT,
        }),
    ]
}
