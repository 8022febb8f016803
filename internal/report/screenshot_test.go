package report

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// findChromium returns a headless-capable Chromium binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLScreenshot renders the sample report in headless Chromium and
// checks the picture is a real page: the requested size, many colours, a
// fair share of non-background pixels, and the chart colours present. Set
// WSCHAOS_SCREENSHOT=path to keep the PNG for a human look; CI sets
// WSCHAOS_REQUIRE_CHROMIUM so that a missing browser fails instead of skipping.
func TestHTMLScreenshot(t *testing.T) {
	img := screenshot(t, sample(), os.Getenv("WSCHAOS_SCREENSHOT"))
	for _, p := range screenshotProblems(img) {
		t.Error(p)
	}
}

// TestHTMLScreenshotCompact does the same for a compact report (500
// clients): the state area and worst-client rows must be drawn.
// WSCHAOS_SCREENSHOT_COMPACT=path keeps its PNG.
func TestHTMLScreenshotCompact(t *testing.T) {
	r := reportOf(t, synth(500, 1000, 3, 7))
	if !r.Scale.Compact {
		t.Fatal("a 500-client report is not compact")
	}
	img := screenshot(t, r, os.Getenv("WSCHAOS_SCREENSHOT_COMPACT"))
	for _, p := range screenshotProblems(img) {
		t.Error(p)
	}
}

// screenshot renders r in headless Chromium at 1400x1800 and decodes the
// PNG, keeping a copy at keep when set.
func screenshot(t *testing.T, r *Report, keep string) image.Image {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		if os.Getenv("WSCHAOS_REQUIRE_CHROMIUM") != "" {
			t.Fatal("WSCHAOS_REQUIRE_CHROMIUM is set but no chromium binary is on PATH")
		}
		t.Skip("chromium not installed (Debian: apt-get install -y chromium); skipping the screenshot check")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "out.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1400,1800", "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium failed: %v\n%s", err, out)
	}
	if keep != "" {
		if data, err := os.ReadFile(shot); err == nil {
			_ = os.WriteFile(keep, data, 0o644)
		}
	}
	fh, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// screenshotProblems lists what makes img not look like a rendered report.
func screenshotProblems(img image.Image) []string {
	var probs []string
	b := img.Bounds()
	if b.Dx() != 1400 || b.Dy() != 1800 {
		return []string{fmt.Sprintf("screenshot is %dx%d; want 1400x1800", b.Dx(), b.Dy())}
	}
	bg := img.At(b.Min.X+2, b.Max.Y-2)
	colours := map[[3]uint32]int{}
	nonBG := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			c := img.At(x, y)
			r, g, bl, _ := c.RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
			if c != bg {
				nonBG++
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if len(colours) < 50 {
		probs = append(probs, fmt.Sprintf("only %d distinct colours: the page looks blank", len(colours)))
	}
	if frac := float64(nonBG) / float64(total); frac < 0.05 {
		probs = append(probs, fmt.Sprintf("only %.1f%% of pixels differ from the background", frac*100))
	}
	// The state timeline's connected green and failed red, and the
	// histogram's blue, must be on the page in quantity.
	for name, rgb := range map[string][3]uint32{"connected": {0x2e, 0x9e, 0x44}, "failed": {0xd6, 0x2f, 0x2f}, "bars": {0x3a, 0x7b, 0xd5}} {
		if colours[rgb] < 100 {
			probs = append(probs, fmt.Sprintf("%s colour #%02x%02x%02x covers %d sampled pixels; want the chart drawn", name, rgb[0], rgb[1], rgb[2], colours[rgb]))
		}
	}
	return probs
}

// TestCheckScreenshotRejectsBlank is the negative control: a blank page of
// the right size must fail the check.
func TestCheckScreenshotRejectsBlank(t *testing.T) {
	blank := image.NewRGBA(image.Rect(0, 0, 1400, 1800))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	if probs := screenshotProblems(blank); len(probs) != 5 {
		t.Fatalf("a blank page gave %d problems, want 5 (colours, pixels, and each of three chart colours): %v", len(probs), probs)
	}
	if probs := screenshotProblems(image.NewRGBA(image.Rect(0, 0, 800, 600))); len(probs) != 1 {
		t.Fatalf("a wrong-size image gave %v", probs)
	}
}
