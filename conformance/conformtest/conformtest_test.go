package conformtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"github.com/wschaos/wschaos/conformance"
	"github.com/wschaos/wschaos/conformance/conformtest"
)

var adapterPath = filepath.Join(os.TempDir(), "conformtest-wschaos-adapter")

func TestConformtest(t *testing.T) {
	gomega.RegisterFailHandler(ginkgo.Fail)
	out, err := exec.Command("go", "build", "-o", adapterPath, "../adapters/wschaos").CombinedOutput()
	if err != nil {
		t.Fatalf("build adapter: %v\n%s", err, out)
	}
	defer os.Remove(adapterPath)
	ginkgo.RunSpecs(t, "conformtest")
}

// The wschaos client, graded against a baseline: 2.1 is NON-STRICT because
// the client caps Retry-After at its backoff cap (400ms here).
var _ = conformtest.Describe("wschaos client conformance",
	conformance.Config{Command: []string{adapterPath}, Cases: []string{"1.1", "2.1", "5.2"}},
	&conformance.Baseline{Client: "wschaos", Expected: map[string]conformance.Grade{
		"1.1": conformance.OK, "2.1": conformance.NonStrict, "5.2": conformance.OK}},
	time.Minute)
