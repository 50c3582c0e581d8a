package orphaning

import (
	"reflect"
	"testing"
)

func TestSetOrphan(t *testing.T) {
	cases := []struct {
		in     map[string]string
		orphan bool
		want   map[string]string
	}{
		{in: nil, orphan: true, want: map[string]string{"kubefed.io/orphan": "true"}},
		{in: map[string]string{"a": "b"}, orphan: true, want: map[string]string{"a": "b", "kubefed.io/orphan": "true"}},
		{in: map[string]string{"kubefed.io/orphan": "false"}, orphan: true, want: map[string]string{"kubefed.io/orphan": "true"}},
		{in: map[string]string{"a": "b", "kubefed.io/orphan": "true"}, orphan: false, want: map[string]string{"a": "b"}},
		{in: map[string]string{"kubefed.io/orphan": "true"}, orphan: false, want: nil},
	}
	for _, c := range cases {
		before := map[string]string{}
		for k, v := range c.in {
			before[k] = v
		}
		if got := SetOrphan(c.in, c.orphan); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SetOrphan(%v, %v) = %v, want %v", c.in, c.orphan, got, c.want)
		}
		if len(c.in) != len(before) {
			t.Errorf("SetOrphan modified its input %v", c.in)
		}
	}
}
