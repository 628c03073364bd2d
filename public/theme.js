// Runs before the first paint (loaded without defer in <head>): apply the reader's saved theme.
// A file rather than an inline script, so that the Content-Security-Policy allows no inline script.
try { var t = localStorage.getItem('theme'); if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t; } catch { /* private mode */ }
