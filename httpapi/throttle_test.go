package httpapi

import (
	"testing"
	"time"

	"kmsmeta/service"
)

func TestAccountThrottleBucket(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	throttle := NewAccountThrottle(2, 3)
	throttle.now = func() time.Time { return now }

	for i := range 3 {
		if err := throttle.Allow("1540355698848459"); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	err := throttle.Allow("1540355698848459")
	if service.ErrorCode(err) != service.CodeThrottling {
		t.Errorf("fourth request at once: %v, want Rejected.Throttling", err)
	}
	if err := throttle.Allow("1234567890123456"); err != nil {
		t.Errorf("another account's first request: %v", err)
	}

	// At 2 per second, half a second refills one token.
	now = now.Add(500 * time.Millisecond)
	if err := throttle.Allow("1540355698848459"); err != nil {
		t.Errorf("request after a refill: %v", err)
	}
	if err := throttle.Allow("1540355698848459"); service.ErrorCode(err) != service.CodeThrottling {
		t.Errorf("second request after one refill: %v, want Rejected.Throttling", err)
	}
}

func TestAccountThrottleEvictsIdle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	throttle := NewAccountThrottle(1, 1)
	throttle.now = func() time.Time { return now }
	throttle.limiters["idle"] = &accountLimiter{lastSeen: now.Add(-time.Minute)}
	throttle.limiters["active"] = &accountLimiter{lastSeen: now}

	throttle.evictIdle(now)

	if _, ok := throttle.limiters["idle"]; ok {
		t.Errorf("an idle account's limiter survived eviction")
	}
	if _, ok := throttle.limiters["active"]; !ok {
		t.Errorf("an active account's limiter was evicted")
	}
}
