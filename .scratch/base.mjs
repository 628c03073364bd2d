let last = performance.now(); const t0 = Date.now(); let n = 0, max = 0;
setInterval(() => { const now = performance.now(); const d = now - last - 10; if (d > 50) n++; max = Math.max(max, d); last = now; }, 10);
setTimeout(() => { console.log(`idle process: ${n} stalls > 50 ms, max ${Math.round(max)} ms in 30 s`); process.exit(0); }, 30000);
