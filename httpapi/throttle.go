package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"kmsmeta/service"
)

// maxThrottledAccounts bounds the limiters kept in memory. When it is
// reached, limiters idle for longer than a refill are dropped first.
const maxThrottledAccounts = 100_000

// AccountThrottle limits the requests of each account on this server with
// a token bucket: Rate requests per second on average, bursts of up to Burst.
// Replicas throttle independently, so N replicas admit up to N times Rate.
type AccountThrottle struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu       sync.Mutex
	limiters map[string]*accountLimiter
}

type accountLimiter struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

// NewAccountThrottle returns a throttle of perSecond requests per account
// with bursts of burst requests.
func NewAccountThrottle(perSecond float64, burst int) *AccountThrottle {
	return &AccountThrottle{
		limit:    rate.Limit(perSecond),
		burst:    burst,
		now:      time.Now,
		limiters: map[string]*accountLimiter{},
	}
}

// Allow takes one token of the account's bucket, or returns the API's
// throttling error when the bucket is empty.
func (t *AccountThrottle) Allow(accountID string) error {
	now := t.now()

	t.mu.Lock()
	entry, ok := t.limiters[accountID]
	if !ok {
		if len(t.limiters) >= maxThrottledAccounts {
			t.evictIdle(now)
		}
		entry = &accountLimiter{limiter: rate.NewLimiter(t.limit, t.burst)}
		t.limiters[accountID] = entry
	}
	entry.lastSeen = now
	allowed := entry.limiter.AllowN(now, 1)
	t.mu.Unlock()

	if !allowed {
		return &service.Error{Code: service.CodeThrottling, Message: "QPS Limit Exceeded."}
	}
	return nil
}

// evictIdle drops the limiters of accounts idle long enough for their
// bucket to be full again, so dropping them loses no state. If every
// account is active, it clears them all.
func (t *AccountThrottle) evictIdle(now time.Time) {
	refill := time.Duration(float64(t.burst) / float64(t.limit) * float64(time.Second))
	for accountID, entry := range t.limiters {
		if now.Sub(entry.lastSeen) > refill {
			delete(t.limiters, accountID)
		}
	}
	if len(t.limiters) >= maxThrottledAccounts {
		clear(t.limiters)
	}
}
