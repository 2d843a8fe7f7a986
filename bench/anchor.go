package bench

import (
	"bytes"
	"database/sql"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"
)

// anchorPage is the bare page every figure is compared with: one indexed query of 20 rows
// and html/template, through Gin — what any page of ours costs at the least.
var anchorPage = template.Must(template.New("a").Parse(`<!doctype html><title>Anchor</title><ul>{{range .}}<li>{{.ID}} {{.Name}}</li>{{end}}</ul>`))

// Anchor returns the anchor's handler over the read pool r.
func Anchor(r *sql.DB) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/anchor", func(c *gin.Context) {
		rows, err := r.QueryContext(c.Request.Context(), `SELECT id, name FROM users WHERE role = 'customer' ORDER BY name LIMIT 20`)
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		defer rows.Close()
		type row struct {
			ID   int64
			Name string
		}
		var list []row
		for rows.Next() {
			var x row
			rows.Scan(&x.ID, &x.Name)
			list = append(list, x)
		}
		var buf bytes.Buffer
		if err := anchorPage.Execute(&buf, list); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	})
	return e
}
