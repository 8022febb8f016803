package client

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

// TestMain fails the run if any goroutine started by the tests outlives them.
// (It is the package's only TestMain: session tests share it.)
func TestMain(m *testing.M) {
	before := gleak.Goroutines()
	code := m.Run()
	if code == 0 {
		g := gomega.NewGomega(func(msg string, _ ...int) {
			fmt.Fprintln(os.Stderr, "goroutine leak:", msg)
			code = 1
		})
		g.Eventually(gleak.Goroutines).WithTimeout(5 * time.Second).WithPolling(50 * time.Millisecond).
			ShouldNot(gleak.HaveLeaked(before))
	}
	os.Exit(code)
}
