package kubernetes

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wschaos/wschaos/internal/shard"
)

func noErrors(t *testing.T, what string, errs []error) {
	t.Helper()
	for _, err := range errs {
		t.Errorf("%s: %v", what, err)
	}
}

// TestFilesStrict decodes every file each kustomization lists, strictly,
// and checks the base and the merge phase as written.
func TestFilesStrict(t *testing.T) {
	base, _, err := loadDir("base")
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "base", checkFaultServer(base))
	noErrors(t, "base", checkRunner(base))
	merge, _, err := loadDir("merge")
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "merge", checkMerge(merge))
	for _, dir := range []string{"overlays/example", "overlays/example/merge"} {
		if _, _, err := loadDir(dir); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOverlaysRender builds the example overlay as `kubectl apply -k` does
// and checks the rendered objects: generated names are wired through, the
// run's shared settings parse, everything sits in one namespace.
func TestOverlaysRender(t *testing.T) {
	run, err := render("overlays/example")
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "overlay", checkFaultServer(run))
	noErrors(t, "overlay", checkRunner(run))
	merge, err := render("overlays/example/merge")
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "overlay merge", checkMerge(merge))

	secret, secretName := withPrefix(run.secrets, "wschaos-admin")
	if secret == nil || len(secret.Data["token"]) == 0 {
		t.Fatal("overlay: no wschaos-admin Secret with a token")
	}
	cm, cmName := withPrefix(run.configMaps, "wschaos-run")
	if cm == nil {
		t.Fatal("overlay: no wschaos-run ConfigMap")
	}
	lookup := func(k string) (string, bool) { v, ok := cm.Data[k]; return v, ok }
	if _, ok, err := shard.ParseStartAt("", lookup); !ok || err != nil {
		t.Errorf("overlay: %s: ok %v, %v", shard.StartAtEnv, ok, err)
	}
	if cm.Data["WSCHAOS_SEED"] == "" || cm.Data["WSCHAOS_SCENARIO"] == "" {
		t.Errorf("overlay: run settings %v lack the seed or the scenario (every shard needs the same)", cm.Data)
	}
	d, _ := withPrefix(run.deployments, "wschaos-faultserver")
	if ref := d.Spec.Template.Spec.Containers[0].Env[0].ValueFrom.SecretKeyRef; ref.Name != secretName {
		t.Errorf("faultserver reads Secret %q, the overlay generates %q", ref.Name, secretName)
	}
	job, _ := withPrefix(run.jobs, "wschaos-runner")
	if got := job.Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name; got != cmName {
		t.Errorf("runner reads ConfigMap %q, the overlay generates %q", got, cmName)
	}
	for _, v := range job.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName != secretName {
			t.Errorf("runner mounts Secret %q, the overlay generates %q", v.Secret.SecretName, secretName)
		}
	}
	for _, o := range []*objects{run, merge} {
		for name, j := range o.jobs {
			if j.Namespace != "wschaos" {
				t.Errorf("job %s in namespace %q", name, j.Namespace)
			}
		}
	}
	if len(run.namespaces) != 1 || len(run.claims) != 1 {
		t.Errorf("overlay: %d namespaces, %d claims; want 1 and 1", len(run.namespaces), len(run.claims))
	}
}

// TestStrictDecodeRejects is the decoder's negative control: a typo'd
// field, a wrong type, a duplicate key and an unknown kind each fail.
func TestStrictDecodeRejects(t *testing.T) {
	good, err := os.ReadFile("base/runner-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := newObjects().add(good); err != nil {
		t.Fatalf("the file itself: %v", err)
	}
	cases := map[string]string{
		"typo'd field":  strings.Replace(string(good), "completionMode:", "completionMod:", 1),
		"nested typo":   strings.Replace(string(good), "restartPolicy: Never", "restartPolicy: Never\n      restartPolicyy: Never", 1),
		"wrong type":    strings.Replace(string(good), "parallelism: 4", "parallelism: four", 1),
		"duplicate key": strings.Replace(string(good), "parallelism: 4", "parallelism: 4\n  parallelism: 5", 1),
		"unknown kind":  strings.Replace(string(good), "kind: Job", "kind: Jobb", 1),
	}
	for name, doc := range cases {
		if doc == string(good) {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if err := newObjects().add([]byte(doc)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	// A kustomization with a typo'd key, or a missing resource, fails too.
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kustomization.yaml", "resources:\n  - job.yaml\nnamespce: x\n")
	write("job.yaml", string(good))
	if _, _, err := loadDir(dir); err == nil {
		t.Error("kustomization with a typo'd key decoded")
	}
	write("kustomization.yaml", "resources:\n  - job.yaml\n  - gone.yaml\n")
	if _, _, err := loadDir(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing resource: %v", err)
	}
}

// TestChecksCatch is the checks' negative control: each defect the gate
// depends on, put into the real base, is reported.
func TestChecksCatch(t *testing.T) {
	mutations := map[string]struct {
		mutate func(*objects)
		check  func(*objects) []error
		says   string
	}{
		"latest image": {func(o *objects) {
			o.deployments["wschaos-faultserver"].Spec.Template.Spec.Containers[0].Image = "ghcr.io/wschaos/wschaos:latest"
		}, checkFaultServer, "latest"},
		"untagged sidecar": {func(o *objects) {
			o.jobs["wschaos-runner"].Spec.Template.Spec.InitContainers[0].Image = "ghcr.io/shopify/toxiproxy"
		}, checkRunner, "not pinned"},
		"no memory limit": {func(o *objects) {
			delete(o.jobs["wschaos-runner"].Spec.Template.Spec.Containers[0].Resources.Limits, corev1.ResourceMemory)
		}, checkRunner, "no memory limit"},
		"zero cpu request": {func(o *objects) {
			o.jobs["wschaos-runner"].Spec.Template.Spec.InitContainers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("0")
		}, checkRunner, "no cpu request"},
		"parallelism below completions": {func(o *objects) {
			p := int32(2)
			o.jobs["wschaos-runner"].Spec.Parallelism = &p
		}, checkRunner, "parallelism must equal completions"},
		"not indexed": {func(o *objects) {
			m := batchv1.NonIndexedCompletion
			o.jobs["wschaos-runner"].Spec.CompletionMode = &m
		}, checkRunner, "not Indexed"},
		"shard count mismatch": {func(o *objects) {
			c := int32(8)
			o.jobs["wschaos-runner"].Spec.Completions, o.jobs["wschaos-runner"].Spec.Parallelism = &c, &c
		}, checkRunner, "--shard=$(JOB_COMPLETION_INDEX)/8"},
		"fixed shard": {func(o *objects) {
			o.jobs["wschaos-runner"].Spec.Template.Spec.Containers[0].Args[1] = "--shard=0/4"
		}, checkRunner, "lack --shard"},
		"one partial file": {func(o *objects) {
			o.jobs["wschaos-runner"].Spec.Template.Spec.Containers[0].Args[2] = "--partial=/results/p.json"
		}, checkRunner, "every shard would write one file"},
		"literal token": {func(o *objects) {
			c := &o.deployments["wschaos-faultserver"].Spec.Template.Spec.Containers[0]
			c.Env[0] = corev1.EnvVar{Name: "WSCHAOS_ADMIN_TOKEN", Value: "hunter2"}
		}, checkFaultServer, "not from a Secret"},
		"probe elsewhere": {func(o *objects) {
			o.deployments["wschaos-faultserver"].Spec.Template.Spec.Containers[0].LivenessProbe.HTTPGet.Path = "/"
		}, checkFaultServer, "liveness probe"},
		"no readiness probe": {func(o *objects) {
			o.deployments["wschaos-faultserver"].Spec.Template.Spec.Containers[0].ReadinessProbe = nil
		}, checkFaultServer, "readiness probe"},
		"load balancer": {func(o *objects) {
			o.services["wschaos-faultserver"].Spec.Type = corev1.ServiceTypeLoadBalancer
		}, checkFaultServer, "leave the cluster"},
		"admin open": {func(o *objects) {
			o.policies["wschaos-faultserver"].Spec.Ingress[1].From = nil
		}, checkFaultServer, "open to every source"},
		"admin from any namespace": {func(o *objects) {
			o.policies["wschaos-faultserver"].Spec.Ingress[1].From[0].NamespaceSelector = o.policies["wschaos-faultserver"].Spec.Ingress[1].From[0].PodSelector
		}, checkFaultServer, "outside the namespace"},
		"admin port unlisted": {func(o *objects) {
			p := intstr.FromInt32(9999)
			o.policies["wschaos-faultserver"].Spec.Ingress[1].Ports[0].Port = &p
		}, checkFaultServer, "no rule for the admin port"},
		"no sidecar": {func(o *objects) {
			o.jobs["wschaos-runner"].Spec.Template.Spec.InitContainers[0].RestartPolicy = nil
		}, checkRunner, "sidecar"},
		"undeclared volume": {func(o *objects) {
			o.jobs["wschaos-runner"].Spec.Template.Spec.Volumes = o.jobs["wschaos-runner"].Spec.Template.Spec.Volumes[1:]
		}, checkRunner, "undeclared volume \"results\""},
	}
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			o, _, err := loadDir("base")
			if err != nil {
				t.Fatal(err)
			}
			if errs := m.check(o); len(errs) != 0 {
				t.Fatalf("the unmutated base fails: %v", errs)
			}
			m.mutate(o)
			errs := m.check(o)
			if len(errs) == 0 {
				t.Fatal("the defect went unreported")
			}
			if !strings.Contains(errors.Join(errs...).Error(), m.says) {
				t.Fatalf("errors %v do not say %q", errs, m.says)
			}
		})
	}
	mo, _, err := loadDir("merge")
	if err != nil {
		t.Fatal(err)
	}
	mo.jobs["wschaos-merge"].Spec.Template.Spec.Containers[0].Args = []string{"run"}
	if errs := checkMerge(mo); len(errs) == 0 {
		t.Fatal("a merge Job that runs `run` passed")
	}
}

// pendingFlags are the sharding contract of issue 12: the manifests use
// them, cmd/wschaos does not have them yet. A flag leaves this list when
// `wschaos run --help` (or the merge command) shows it; this test then
// checks it like every other flag.
var pendingFlags = map[string]bool{}

// TestFlagsAreReal builds the real binary and checks that every flag the
// manifests pass exists in its --help, or is one of pendingFlags.
func TestFlagsAreReal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/wschaos")
	}
	bin := filepath.Join(t.TempDir(), "wschaos")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/wschaos/wschaos/cmd/wschaos")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	help := map[string]string{}
	helpOf := func(cmd string) string {
		if h, ok := help[cmd]; ok {
			return h
		}
		out, err := exec.CommandContext(t.Context(), bin, cmd, "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Usage:") {
			out = nil // e.g. merge, before it lands
		}
		help[cmd] = string(out)
		return help[cmd]
	}
	o, _, err := loadDir("base")
	if err != nil {
		t.Fatal(err)
	}
	mo, _, err := loadDir("merge")
	if err != nil {
		t.Fatal(err)
	}
	var containers []corev1.Container
	containers = append(containers, o.deployments["wschaos-faultserver"].Spec.Template.Spec.Containers...)
	containers = append(containers, o.jobs["wschaos-runner"].Spec.Template.Spec.Containers...)
	containers = append(containers, mo.jobs["wschaos-merge"].Spec.Template.Spec.Containers...)
	checked := 0
	for _, c := range containers {
		cmd := c.Args[0]
		for _, a := range c.Args[1:] {
			if !strings.HasPrefix(a, "--") {
				continue
			}
			flag, _, _ := strings.Cut(a, "=")
			key := cmd + " " + flag
			h := helpOf(cmd)
			shown := listsFlag(h, flag)
			switch {
			case shown && pendingFlags[key]:
				t.Errorf("%s is in `wschaos %s --help` now: take it off pendingFlags", flag, cmd)
			case !shown && !pendingFlags[key]:
				t.Errorf("%s %s: `wschaos %s` has no such flag", c.Name, flag, cmd)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Fatalf("checked %d flags: the manifests lost their args?", checked)
	}
}

// listsFlag reports whether help lists flag as a flag of its own (not as a
// prefix of a longer one: --target vs --target-admin).
func listsFlag(help, flag string) bool {
	for _, line := range strings.Split(help, "\n") {
		for _, f := range strings.Fields(strings.ReplaceAll(line, ",", " ")) {
			if f == flag {
				return true
			}
		}
	}
	return false
}
