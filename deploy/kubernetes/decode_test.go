package kubernetes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/kustomize/api/filesys"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// objects are the decoded manifests of one tree, by kind and name.
type objects struct {
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	policies    map[string]*networkingv1.NetworkPolicy
	jobs        map[string]*batchv1.Job
	claims      map[string]*corev1.PersistentVolumeClaim
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	namespaces  map[string]*corev1.Namespace
}

func newObjects() *objects {
	return &objects{
		deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		policies: map[string]*networkingv1.NetworkPolicy{}, jobs: map[string]*batchv1.Job{},
		claims: map[string]*corev1.PersistentVolumeClaim{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}, namespaces: map[string]*corev1.Namespace{},
	}
}

// strict decodes into a typed object: unknown fields, duplicate fields and
// wrong types are errors.
func strict[T any](doc []byte) (*T, error) {
	v := new(T)
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		return nil, err
	}
	return v, nil
}

func put[T any](m map[string]*T, name string, doc []byte) error {
	v, err := strict[T](doc)
	if err != nil {
		return err
	}
	if _, dup := m[name]; dup {
		return fmt.Errorf("two objects named %q", name)
	}
	m[name] = v
	return nil
}

// add decodes one manifest by its apiVersion and kind; a kind this package
// does not know is an error, so nothing goes unchecked.
func (o *objects) add(doc []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return err
	}
	name := head.Metadata.Name
	if name == "" {
		return fmt.Errorf("%s without metadata.name", head.Kind)
	}
	switch head.APIVersion + " " + head.Kind {
	case "apps/v1 Deployment":
		return put(o.deployments, name, doc)
	case "v1 Service":
		return put(o.services, name, doc)
	case "networking.k8s.io/v1 NetworkPolicy":
		return put(o.policies, name, doc)
	case "batch/v1 Job":
		return put(o.jobs, name, doc)
	case "v1 PersistentVolumeClaim":
		return put(o.claims, name, doc)
	case "v1 ConfigMap":
		return put(o.configMaps, name, doc)
	case "v1 Secret":
		return put(o.secrets, name, doc)
	case "v1 Namespace":
		return put(o.namespaces, name, doc)
	}
	return fmt.Errorf("unexpected %s %s", head.APIVersion, head.Kind)
}

// loadDir decodes every file a kustomization.yaml lists, strictly, and
// checks that each listed file exists.
func loadDir(dir string) (*objects, *types.Kustomization, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, nil, err
	}
	k, err := strict[types.Kustomization](raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s/kustomization.yaml: %w", dir, err)
	}
	o := newObjects()
	for _, r := range k.Resources {
		path := filepath.Join(dir, r)
		st, err := os.Stat(path)
		if err != nil {
			return nil, nil, fmt.Errorf("%s/kustomization.yaml lists %s: %w", dir, r, err)
		}
		if st.IsDir() {
			if _, err := os.Stat(filepath.Join(path, "kustomization.yaml")); err != nil {
				return nil, nil, fmt.Errorf("%s/kustomization.yaml lists %s: not a kustomization: %w", dir, r, err)
			}
			continue
		}
		doc, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		if err := o.add(doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return o, k, nil
}

// render builds a kustomization as `kubectl apply -k` would and decodes
// every resulting object strictly.
func render(dir string) (*objects, error) {
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	o := newObjects()
	for _, r := range rm.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		if err := o.add(doc); err != nil {
			return nil, fmt.Errorf("kustomize build %s: %s: %w", dir, r.CurId(), err)
		}
	}
	return o, nil
}

// withPrefix finds the one object whose name is name or name plus a
// kustomize hash suffix.
func withPrefix[T any](m map[string]*T, name string) (*T, string) {
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"-") {
			return v, k
		}
	}
	return nil, ""
}
