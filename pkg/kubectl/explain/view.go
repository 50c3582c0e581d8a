package explain

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/cli-runtime/pkg/printers"
)

// Render prints an explanation: the object, its placement and policies,
// one row per cluster with the result of every step, then per cluster the
// step where it stopped with its detail, the overrides, the action's
// message, and a
// warning where the plan disagrees with the status the syncer recorded.
func Render(w io.Writer, e Explanation) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", e.Object)
	if e.Placement != "" {
		fmt.Fprintf(&b, "Placement: %s\n", e.Placement)
	}
	if len(e.Policies) > 0 {
		fmt.Fprintf(&b, "Policies selecting it: %s\n", strings.Join(e.Policies, ", "))
	}
	b.WriteString("\n")
	tw := printers.GetNewTabWriter(&b)
	var header []string
	if len(e.Clusters) > 0 {
		header = append(header, "CLUSTER", "SOURCE")
		for _, s := range e.Clusters[0].Steps {
			header = append(header, strings.ToUpper(s.Step))
		}
		header = append(header, "RECORDED")
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, c := range e.Clusters {
		cells := []string{c.Cluster, c.Source}
		for _, s := range c.Steps {
			cells = append(cells, s.Result)
		}
		cells = append(cells, orNone(c.Recorded))
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range e.Clusters {
		var lines []string
		if c.StoppedAt != "" {
			lines = append(lines, "stopped at: "+c.StoppedAt)
		}
		for _, s := range c.Steps {
			if s.Detail != "" && (s.Step == c.StoppedAt || s.Step == StepTaints || s.Step == StepReplicas || s.Step == StepOverrides || s.Step == StepAction) {
				lines = append(lines, s.Step+": "+s.Detail)
			}
		}
		if c.ReadError != "" {
			lines = append(lines, "reading the member failed: "+c.ReadError)
		}
		if c.Status != c.Recorded {
			lines = append(lines, fmt.Sprintf("the syncer last recorded %s, not %s: it has not looked at the object since the change, or a write failed", orNone(c.Recorded), orNone(c.Status)))
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%s):\n", c.Cluster, c.Source)
		for _, l := range lines {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
