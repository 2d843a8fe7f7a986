package audit

import (
	"context"
	"time"
)

// Factor is the second factor a sensitive action stepped up with: which (a kind, or "none"
// when neither the policy nor the account asks for one) and how long ago it was used. The
// HTTP layer puts it in the request's context (WithFactor); every row its actor writes in
// that request carries it (factor, factor_age_s), so it is in the chain.
type Factor struct {
	User int64
	Kind string
	Age  time.Duration
}

type factorKey struct{}

// WithFactor returns ctx carrying f.
func WithFactor(ctx context.Context, f Factor) context.Context {
	return context.WithValue(ctx, factorKey{}, f)
}

// withFactor adds the context's factor to the metadata of a row its user acts in.
func withFactor(ctx context.Context, e Entry) Entry {
	f, ok := ctx.Value(factorKey{}).(Factor)
	if !ok || f.User == 0 || f.User != e.Actor {
		return e
	}
	meta := make(map[string]any, len(e.Metadata)+2)
	for k, v := range e.Metadata {
		meta[k] = v
	}
	meta["factor"] = f.Kind
	meta["factor_age_s"] = int64(f.Age / time.Second)
	e.Metadata = meta
	return e
}
