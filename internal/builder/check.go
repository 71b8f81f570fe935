package builder

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// CheckResult is what Check found on one builder (Err nil), or how far it
// got and why it stopped.
type CheckResult struct {
	CheckReport
	Err error
}

// CheckAll checks the builders at the same time, each within timeout, and
// returns their results in the order of bs. A builder that is not a
// Checker fails saying so. It is what `kiln builder check` and `kiln
// doctor` report.
func CheckAll(ctx context.Context, bs []Builder, timeout time.Duration) []CheckResult {
	results := make([]CheckResult, len(bs))
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = checkOne(ctx, b, timeout)
		}()
	}
	wg.Wait()
	return results
}

func checkOne(ctx context.Context, b Builder, timeout time.Duration) CheckResult {
	c, ok := b.(Checker)
	if !ok {
		return CheckResult{CheckReport: CheckReport{Name: b.Name()}, Err: fmt.Errorf("builder %s cannot be checked", b.Name())}
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep, err := c.Check(cctx)
	if rep.Name == "" {
		rep.Name = b.Name()
	}
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("no answer within %v: %w", timeout, err)
	}
	return CheckResult{CheckReport: rep, Err: err}
}

// HaikuporterVersions maps each haikuporter version the checked builders
// reported to the names of the builders that run it (builders must stay
// in lockstep: more than one key is a problem). Failed checks are left out.
func HaikuporterVersions(results []CheckResult) map[string][]string {
	vs := map[string][]string{}
	for _, r := range results {
		if r.Err == nil {
			vs[r.Haikuporter] = append(vs[r.Haikuporter], r.Name)
		}
	}
	return vs
}
