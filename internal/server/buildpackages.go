package server

import (
	"fmt"
	"net/http"

	"github.com/haikuports/kiln/internal/repo"
)

// buildPackagesRequest is the body of POST …/build-packages.
type buildPackagesRequest struct {
	Name     string   `json:"name"`
	Packages []string `json:"packages"`
	BaseURL  string   `json:"baseURL,omitempty"`
}

// createBuildPackages: POST /api/v1/targets/{branch}/{arch}/build-packages
// makes a build-packages repository from packages the target's store
// holds (repo.CreateBuildPackages): 201 with the result, 200 if it
// existed with the same packages; unknown packages are 400 naming them,
// a name taken by other packages 409. The repositories are refreshed
// before the answer, so it is served at once below
// /repo/<branch>/<arch>/build-packages/<name>/.
func (s *Server) createBuildPackages(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	var req buildPackagesRequest
	if !decodeBody(w, r, &req, false, `{"name": …, "packages": [names or file names]}`) {
		return
	}
	if !repo.ValidBuildPackagesName(req.Name) {
		writeError(w, http.StatusBadRequest, "bad_name", fmt.Sprintf("build-packages name %q: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.', not \"current\"", req.Name))
		return
	}
	if len(req.Packages) == 0 || len(req.Packages) > 10000 {
		writeError(w, http.StatusBadRequest, "bad_packages", fmt.Sprintf("%d packages: give 1 to 10000 package names or file names", len(req.Packages)))
		return
	}
	res, err := t.CreateBuildPackages(r.Context(), repo.BuildPackagesOptions{Name: req.Name, Packages: req.Packages, BaseURL: req.BaseURL})
	if err != nil {
		s.publishError(w, r, err)
		return
	}
	status := http.StatusOK
	if !res.Unchanged {
		status = http.StatusCreated
		s.refreshRepos(r, t)
	}
	s.log.Info("build-packages repository", "target", t.Name(), "name", res.Name, "packages", len(res.Packages), "unchanged", res.Unchanged)
	writeJSON(w, status, res)
}
