package reposerve

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// TargetInfo is what the listings say of one target.
type TargetInfo struct {
	Branch string `json:"branch"`
	Arch   string `json:"arch"`
	// Head is the served snapshot ("" when nothing is published yet).
	Head       string    `json:"head,omitempty"`
	RepoSHA256 string    `json:"repoSHA256,omitempty"`
	Updated    time.Time `json:"updated,omitzero"` // when the head moved
	Packages   int       `json:"packages"`
	// Loaded: the target's head was read at least once.
	Loaded    bool      `json:"loaded"`
	Refreshed time.Time `json:"refreshed,omitzero"` // when the head was last read
	Error     string    `json:"error,omitempty"`    // the last refresh's error
	// Snapshots are the stored snapshot ids, newest first (only in the
	// listing of the target itself).
	Snapshots []string `json:"snapshots,omitempty"`
}

// BranchInfo lists a branch's targets.
type BranchInfo struct {
	Branch  string       `json:"branch"`
	Targets []TargetInfo `json:"targets"`
}

// Listing is the answer of <prefix>/.
type Listing struct {
	Branches []BranchInfo `json:"branches"`
}

func (tg *target) info(withSnapshots bool) TargetInfo {
	t := tg.r.Target()
	ti := TargetInfo{Branch: t.Branch, Arch: t.Arch}
	v := tg.cur.Load()
	if v == nil {
		return ti
	}
	ti.Loaded, ti.Refreshed = true, v.refreshed
	if v.err != nil {
		ti.Error = v.err.Error()
	}
	if v.head != nil {
		ti.Head, ti.RepoSHA256, ti.Updated, ti.Packages = v.head.Snapshot, v.head.RepoSHA256, v.head.Updated, len(v.man.Packages)
	}
	if withSnapshots {
		ti.Snapshots = v.ids
	}
	return ti
}

func (h *Handler) branches(branch string) []BranchInfo {
	var out []BranchInfo
	for _, tg := range h.order {
		t := tg.r.Target()
		if branch != "" && t.Branch != branch {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Branch != t.Branch {
			out = append(out, BranchInfo{Branch: t.Branch})
		}
		b := &out[len(out)-1]
		b.Targets = append(b.Targets, tg.info(false))
	}
	return out
}

func (h *Handler) listRoot(w http.ResponseWriter, r *http.Request) {
	l := Listing{Branches: h.branches("")}
	if l.Branches == nil {
		l.Branches = []BranchInfo{}
	}
	h.writeJSON(w, r, l)
}

func (h *Handler) listBranch(w http.ResponseWriter, r *http.Request, branch string) {
	bs := h.branches(branch)
	if len(bs) == 0 {
		http.Error(w, "no branch "+branch, http.StatusNotFound)
		return
	}
	h.writeJSON(w, r, bs[0])
}

func (h *Handler) listTarget(w http.ResponseWriter, r *http.Request, branch, arch string) {
	tg := h.targets[branch+"/"+arch]
	if tg == nil {
		http.Error(w, "no target "+branch+"/"+arch, http.StatusNotFound)
		return
	}
	h.writeJSON(w, r, tg.info(true))
}

func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		h.log.Error("encode listing", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", h.currentCache())
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}
