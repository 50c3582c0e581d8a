package syncer

import "testing"

func TestClientLimitsDeferToTheServerByDefault(t *testing.T) {
	for _, tc := range []struct {
		qps       float32
		burstFlag int
		wantQPS   float32
		wantBurst int
	}{
		{qps: 0, wantQPS: -1},                                // Options left unset: no client-side limit
		{qps: -1, wantQPS: -1},                               // the flag's default
		{qps: 50, wantQPS: 50, wantBurst: 100},               // a limit: burst twice the QPS
		{qps: 50, burstFlag: 60, wantQPS: 50, wantBurst: 60}, // burst given
		{qps: 0.2, wantQPS: 0.2, wantBurst: 1},               // at least 1
	} {
		if got := unlimited(tc.qps); got != tc.wantQPS {
			t.Errorf("unlimited(%v) = %v, want %v", tc.qps, got, tc.wantQPS)
		}
		if got := burst(tc.qps, tc.burstFlag); got != tc.wantBurst {
			t.Errorf("burst(%v, %d) = %d, want %d", tc.qps, tc.burstFlag, got, tc.wantBurst)
		}
	}
}
