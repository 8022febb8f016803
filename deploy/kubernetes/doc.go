// Package kubernetes holds wschaos's Kubernetes manifests (a kustomize base,
// the merge phase and an example overlay) and, in its tests, their
// validation without a cluster: every file and every rendered overlay is
// decoded strictly into k8s.io/api types and checked for what the release
// gate depends on, and docker-compose.yml's sharded shape is checked the
// same way. It has no code of its own.
package kubernetes
