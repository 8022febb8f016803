package kubernetes

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

const (
	toxiproxyImage = "ghcr.io/shopify/toxiproxy:2.12.0"
	healthPath     = "/healthz" // faultserver.HealthPath
	adminTokenEnv  = "WSCHAOS_ADMIN_TOKEN"
	completionEnv  = "JOB_COMPLETION_INDEX"
)

// pinned: a tag other than latest, or a digest.
var pinned = regexp.MustCompile(`^[^:@\s]+(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$`)

func checkImage(where, image string) error {
	if !pinned.MatchString(image) {
		return fmt.Errorf("%s: image %q is not a valid reference", where, image)
	}
	hasTag := strings.Contains(image[strings.LastIndex(image, "/")+1:], ":")
	if !hasTag && !strings.Contains(image, "@sha256:") {
		return fmt.Errorf("%s: image %q is not pinned (no tag or digest)", where, image)
	}
	if strings.HasSuffix(image, ":latest") {
		return fmt.Errorf("%s: image %q is pinned to :latest", where, image)
	}
	return nil
}

// checkContainers: pinned images and cpu + memory requests and limits on
// every container, sidecars included.
func checkContainers(owner string, spec *corev1.PodSpec) []error {
	var errs []error
	all := append(slices.Clone(spec.InitContainers), spec.Containers...)
	if len(spec.Containers) == 0 {
		errs = append(errs, fmt.Errorf("%s: no containers", owner))
	}
	for _, c := range all {
		where := owner + "/" + c.Name
		if err := checkImage(where, c.Image); err != nil {
			errs = append(errs, err)
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := c.Resources.Requests[res]; !ok || q.IsZero() {
				errs = append(errs, fmt.Errorf("%s: no %s request", where, res))
			}
			if q, ok := c.Resources.Limits[res]; !ok || q.IsZero() {
				errs = append(errs, fmt.Errorf("%s: no %s limit", where, res))
			}
		}
		for _, e := range c.Env {
			if strings.Contains(strings.ToLower(e.Name), "token") && e.Value != "" {
				errs = append(errs, fmt.Errorf("%s: %s is a literal value, not from a Secret", where, e.Name))
			}
		}
	}
	return errs
}

// checkFaultServer: `wschaos serve`, its admin token from a Secret, its
// probes on /healthz, a ClusterIP Service, and a policy keeping the admin
// port inside the namespace.
func checkFaultServer(o *objects) []error {
	var errs []error
	d, _ := withPrefix(o.deployments, "wschaos-faultserver")
	if d == nil {
		return []error{fmt.Errorf("no wschaos-faultserver Deployment")}
	}
	errs = append(errs, checkContainers("deployment/wschaos-faultserver", &d.Spec.Template.Spec)...)
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		errs = append(errs, fmt.Errorf("faultserver: args %v do not run serve", c.Args))
	}
	fromSecret := false
	for _, e := range c.Env {
		if e.Name == adminTokenEnv && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.Value == "" {
			fromSecret = true
		}
	}
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--admin-token") {
			errs = append(errs, fmt.Errorf("faultserver: admin token on the command line (%s)", a))
		}
	}
	if !fromSecret {
		errs = append(errs, fmt.Errorf("faultserver: %s does not come from a Secret", adminTokenEnv))
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != healthPath {
			errs = append(errs, fmt.Errorf("faultserver: %s probe is not an HTTP GET of %s", name, healthPath))
		}
	}
	svc, _ := withPrefix(o.services, "wschaos-faultserver")
	if svc == nil {
		errs = append(errs, fmt.Errorf("no wschaos-faultserver Service"))
	} else if svc.Spec.Type != "" && svc.Spec.Type != corev1.ServiceTypeClusterIP {
		errs = append(errs, fmt.Errorf("service wschaos-faultserver is %s: the admin API would leave the cluster", svc.Spec.Type))
	}
	errs = append(errs, checkAdminPolicy(o)...)
	return errs
}

// checkAdminPolicy: port 8081 admitted only from pods of the namespace.
func checkAdminPolicy(o *objects) []error {
	np, _ := withPrefix(o.policies, "wschaos-faultserver")
	if np == nil {
		return []error{fmt.Errorf("no NetworkPolicy for the fault server")}
	}
	admits := false
	for _, rule := range np.Spec.Ingress {
		for _, p := range rule.Ports {
			if p.Port == nil || p.Port.IntValue() != 8081 {
				continue
			}
			if len(rule.From) == 0 {
				return []error{fmt.Errorf("networkpolicy: the admin port is open to every source")}
			}
			for _, f := range rule.From {
				if f.NamespaceSelector != nil || f.IPBlock != nil || f.PodSelector == nil {
					return []error{fmt.Errorf("networkpolicy: the admin port admits sources outside the namespace")}
				}
			}
			admits = true
		}
	}
	if !admits {
		return []error{fmt.Errorf("networkpolicy: no rule for the admin port 8081")}
	}
	return nil
}

// checkRunner: the Indexed Job of n shards, each pod running shard
// $(JOB_COMPLETION_INDEX)/n with a Toxiproxy sidecar and writing its partial
// to the shared volume.
func checkRunner(o *objects) []error {
	j, _ := withPrefix(o.jobs, "wschaos-runner")
	if j == nil {
		return []error{fmt.Errorf("no wschaos-runner Job")}
	}
	var errs []error
	if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != "Indexed" {
		errs = append(errs, fmt.Errorf("runner: completionMode is not Indexed"))
	}
	if j.Spec.Completions == nil || j.Spec.Parallelism == nil || *j.Spec.Completions != *j.Spec.Parallelism {
		return append(errs, fmt.Errorf("runner: parallelism must equal completions (all shards at once)"))
	}
	n := int(*j.Spec.Completions)
	spec := &j.Spec.Template.Spec
	errs = append(errs, checkContainers("job/wschaos-runner", spec)...)
	c := spec.Containers[0]
	want := map[string]bool{
		"--shard=$(" + completionEnv + ")/" + strconv.Itoa(n): false,
		"--target-admin-token-file":                           false,
		"--partial=/results/":                                 false,
	}
	for _, a := range c.Args {
		for w := range want {
			if a == w || (strings.HasSuffix(w, "/") || strings.HasSuffix(w, "file")) && strings.HasPrefix(a, w) {
				want[w] = true
			}
		}
		if strings.HasPrefix(a, "--partial=") && !strings.Contains(a, "$("+completionEnv+")") {
			errs = append(errs, fmt.Errorf("runner: %s: every shard would write one file", a))
		}
	}
	for w, ok := range want {
		if !ok {
			errs = append(errs, fmt.Errorf("runner: args %v lack %s", c.Args, w))
		}
	}
	if len(c.Args) == 0 || c.Args[0] != "run" {
		errs = append(errs, fmt.Errorf("runner: args do not start with run"))
	}
	for _, e := range c.Env {
		if e.Name == completionEnv && (e.ValueFrom == nil || e.ValueFrom.FieldRef == nil ||
			e.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']") {
			errs = append(errs, fmt.Errorf("runner: %s is not the pod's completion index", completionEnv))
		}
	}
	if !mounts(c, "results", "/results") {
		errs = append(errs, fmt.Errorf("runner: /results is not mounted"))
	}
	sidecar := false
	for _, ic := range spec.InitContainers {
		if ic.Image == toxiproxyImage && ic.RestartPolicy != nil && *ic.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecar = true
		}
	}
	if !sidecar {
		errs = append(errs, fmt.Errorf("runner: no %s sidecar (init container with restartPolicy Always)", toxiproxyImage))
	}
	if spec.RestartPolicy != corev1.RestartPolicyNever {
		errs = append(errs, fmt.Errorf("runner: restartPolicy %q: a restarted shard would start late", spec.RestartPolicy))
	}
	errs = append(errs, checkVolumes("runner", spec)...)
	return errs
}

// checkMerge: one pod running `wschaos merge` over the shared volume.
func checkMerge(o *objects) []error {
	j, _ := withPrefix(o.jobs, "wschaos-merge")
	if j == nil {
		return []error{fmt.Errorf("no wschaos-merge Job")}
	}
	spec := &j.Spec.Template.Spec
	errs := checkContainers("job/wschaos-merge", spec)
	c := spec.Containers[0]
	if len(c.Args) < 2 || c.Args[0] != "merge" || !strings.HasPrefix(c.Args[len(c.Args)-1], "/results/") {
		errs = append(errs, fmt.Errorf("merge: args %v: want merge ... /results/<partials>", c.Args))
	}
	if j.Spec.BackoffLimit == nil || *j.Spec.BackoffLimit != 0 {
		errs = append(errs, fmt.Errorf("merge: backoffLimit must be 0: the first exit code is the verdict"))
	}
	if !mounts(c, "results", "/results") {
		errs = append(errs, fmt.Errorf("merge: /results is not mounted"))
	}
	return append(errs, checkVolumes("merge", spec)...)
}

func mounts(c corev1.Container, volume, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.Name == volume && m.MountPath == path {
			return true
		}
	}
	return false
}

// checkVolumes: every mount names a declared volume.
func checkVolumes(owner string, spec *corev1.PodSpec) []error {
	declared := map[string]bool{}
	for _, v := range spec.Volumes {
		declared[v.Name] = true
	}
	var errs []error
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		for _, m := range c.VolumeMounts {
			if !declared[m.Name] {
				errs = append(errs, fmt.Errorf("%s/%s mounts undeclared volume %q", owner, c.Name, m.Name))
			}
		}
	}
	return errs
}
