package dashboard

import (
	"github.com/mpauth/mpauth/services/admin"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

type overviewPage struct {
	layout
	O     admin.Overview
	Chart chartView
}

func (a *Handler) overview(c *gin.Context) {
	o, err := a.dashboard.Overview(c.Request.Context(), adminOf(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.page(c, http.StatusOK, "overview", overviewPage{layout: a.layout(c, "Overview", "overview"), O: o, Chart: newChart(o.Days)})
}

// chartView is the SVG line chart of logins and phone bindings per day,
// laid out here so the template only places numbers.
type chartView struct {
	Width, Height            int
	Left, Right, Top, Bottom int
	Logins, Bindings         string // polyline points
	Dots                     []chartDot
	YTicks, XTicks           []chartTick
}

type chartDot struct {
	X, YLogins, YBindings float64
	Day                   string
	Logins, Bindings      int64
}

type chartTick struct {
	Pos   float64
	Label string
}

func newChart(days []admin.DayStat) chartView {
	v := chartView{Width: 960, Height: 260, Left: 56, Right: 944, Top: 16, Bottom: 228}
	var peak int64
	for _, d := range days {
		peak = max(peak, d.Logins, d.Bindings)
	}
	top := niceCeiling(peak)
	plotH := float64(v.Bottom - v.Top)
	y := func(n int64) float64 { return float64(v.Bottom) - float64(n)/float64(top)*plotH }
	step := 0.0
	if len(days) > 1 {
		step = float64(v.Right-v.Left) / float64(len(days)-1)
	}
	var logins, binds []string
	for i, d := range days {
		x := float64(v.Left) + step*float64(i)
		dot := chartDot{X: x, YLogins: y(d.Logins), YBindings: y(d.Bindings), Day: d.Day.In(admin.DisplayZone()).Format("2006-01-02"), Logins: d.Logins, Bindings: d.Bindings}
		v.Dots = append(v.Dots, dot)
		logins = append(logins, point(x, dot.YLogins))
		binds = append(binds, point(x, dot.YBindings))
		if i%5 == 0 || i == len(days)-1 {
			v.XTicks = append(v.XTicks, chartTick{Pos: x, Label: d.Day.In(admin.DisplayZone()).Format("01-02")})
		}
	}
	v.Logins, v.Bindings = strings.Join(logins, " "), strings.Join(binds, " ")
	for i := 0; i <= 4; i++ {
		n := top * int64(i) / 4
		v.YTicks = append(v.YTicks, chartTick{Pos: y(n), Label: formatNumber(n)})
	}
	return v
}

func point(x, y float64) string {
	return strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64)
}

// niceCeiling is the chart's top: four grid steps of 1, 2 or 5 times a
// power of ten, enough to hold n.
func niceCeiling(n int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if step := m * p; 4*step >= n {
				return 4 * step
			}
		}
	}
}
