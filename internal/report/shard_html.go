package report

import (
	_ "embed"
	"html/template"
)

//go:embed shard.html.tmpl
var shardHTMLSource string

// The per-shard section ("shards", included by report.html.tmpl) lives in
// its own template file; parsed into the report's set before any Execute.
func init() { template.Must(htmlTemplate.Parse(shardHTMLSource)) }
