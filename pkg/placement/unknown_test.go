package placement

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	typesv1beta1 "github.com/kubectl-fed/kubectl-fed/pkg/apis/types/v1beta1"
)

func TestUnknown(t *testing.T) {
	joined := []Cluster{{Name: "member1"}, {Name: "member2"}}
	names := func(n ...string) *typesv1beta1.Placement {
		p := &typesv1beta1.Placement{Clusters: []typesv1beta1.ClusterReference{}}
		for _, name := range n {
			p.Clusters = append(p.Clusters, typesv1beta1.ClusterReference{Name: name})
		}
		return p
	}
	tests := []struct {
		name      string
		placement *typesv1beta1.Placement
		clusters  []Cluster
		want      []string
	}{
		{"no placement", nil, joined, nil},
		{"empty list", names(), joined, nil},
		{"all joined", names("member2", "member1"), joined, nil},
		{"one not joined", names("member9"), joined, []string{"member9"}},
		{"a typo among good names", names("member1", "memebr2", "member2"), joined, []string{"memebr2"}},
		{"sorted, no repeats", names("z", "a", "z"), joined, []string{"a", "z"}},
		{"no cluster joined yet", names("member1"), nil, []string{"member1"}},
		{"a selector names no cluster", &typesv1beta1.Placement{ClusterSelector: &metav1.LabelSelector{}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unknown(tt.placement, tt.clusters); !slices.Equal(got, tt.want) {
				t.Fatalf("Unknown = %q, want %q", got, tt.want)
			}
		})
	}
}
