package shard

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

// TestMain fails the run if any goroutine started by the tests outlives them.
func TestMain(m *testing.M) {
	base := gleak.Goroutines()
	code := m.Run()
	if code == 0 {
		g := gomega.NewGomega(func(msg string, _ ...int) {
			fmt.Fprintln(os.Stderr, "goroutine leak:", msg)
			code = 1
		})
		g.Eventually(gleak.Goroutines).WithTimeout(10 * time.Second).ShouldNot(gleak.HaveLeaked(base))
	}
	os.Exit(code)
}
