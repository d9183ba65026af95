/**
 * The status pages' stylesheet (`/status/status.css`): light and dark following the system, colours
 * with WCAG AA contrast in both, day bars with a tooltip on hover and keyboard focus, and only the last
 * 30 days' bars on a phone. No script anywhere: the tooltip is CSS.
 */
export const statusPageCss = `:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
--bg:#f6f7f9;--card:#fff;--fg:#1a1a1a;--muted:#4b5563;--line:#d0d5dd;--link:#1d4ed8;
--ok:#13522a;--okbg:#e7f6ec;--okb:#1e7b3a;--deg:#5c3c00;--degbg:#fff4d6;--degb:#8a5a00;
--down:#9b1c13;--downbg:#fde8e8;--downb:#b42318;--mnt:#1e3a8a;--mntbg:#e0e7ff;--mntb:#3b5bdb;
--nd:#1f2937;--ndbg:#eceef1;--ndb:#4b5563;
--bar-ok:#2f9e55;--bar-minor:#9cc93a;--bar-major:#e8a317;--bar-down:#d93025;--bar-none:#c9ced6;
--tipbg:#1a1a1a;--tipfg:#fff;background:var(--bg);color:var(--fg)}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1b1f24;--fg:#e6e8eb;--muted:#aab2bd;--line:#343a42;--link:#8ab4ff;
--ok:#7ee2a0;--okbg:#12301d;--okb:#3fb96b;--deg:#ffd27a;--degbg:#33280f;--degb:#d29a2a;
--down:#ffa39b;--downbg:#3a1512;--downb:#e5534b;--mnt:#b4c6ff;--mntbg:#1a2347;--mntb:#6f8cff;
--nd:#d1d5db;--ndbg:#262b31;--ndb:#8b949e;
--bar-ok:#3fb96b;--bar-minor:#a6c94a;--bar-major:#d8a032;--bar-down:#e5534b;--bar-none:#3a4049;
--tipbg:#e6e8eb;--tipfg:#111418}}
body{margin:0 auto;max-width:56rem;padding:1.5rem 1rem;background:var(--bg);color:var(--fg)}
a{color:var(--link)}a:focus-visible,.day:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.head{display:flex;gap:1rem;align-items:center}.logo{max-height:3.5rem;max-width:10rem;object-fit:contain}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem}h3{font-size:1rem;margin:0 0 .25rem}
.desc{margin:.25rem 0 0;color:var(--muted);white-space:pre-line}
.summary{padding:1rem;border-radius:.5rem;font-weight:600;margin:1.25rem 0;border:2px solid}
.summary.ok{background:var(--okbg);border-color:var(--okb);color:var(--ok)}
.summary.degraded{background:var(--degbg);border-color:var(--degb);color:var(--deg)}
.summary.down{background:var(--downbg);border-color:var(--downb);color:var(--down)}
.summary.maintenance{background:var(--mntbg);border-color:var(--mntb);color:var(--mnt)}
.summary.nodata{background:var(--ndbg);border-color:var(--ndb);color:var(--nd)}
.components{list-style:none;margin:0;padding:0;background:var(--card);border:1px solid var(--line);border-radius:.5rem}
.component{padding:.75rem 1rem;border-top:1px solid var(--line)}.component:first-child{border-top:0}
.row{display:flex;justify-content:space-between;gap:1rem;align-items:baseline}.name{font-weight:600}
.cdesc{margin:.15rem 0 0;color:var(--muted);font-size:.9rem}
.st{font-weight:600;white-space:nowrap}.st.ok{color:var(--ok)}.st.degraded{color:var(--deg)}.st.down{color:var(--down)}
.st.maintenance{color:var(--mnt)}.st.nodata{color:var(--nd)}
.st::before{content:"";display:inline-block;width:.7em;height:.7em;border-radius:50%;margin-right:.4em;background:currentColor}
.bars{display:flex;gap:2px;margin:.6rem 0 .25rem;height:2rem}
.day{flex:1;border-radius:2px;position:relative;background:var(--bar-none);min-width:2px}
.day.d-ok{background:var(--bar-ok)}.day.d-minor{background:var(--bar-minor)}.day.d-major{background:var(--bar-major)}
.day.d-down{background:var(--bar-down)}
.day:hover::after,.day:focus::after{content:attr(data-tip);position:absolute;bottom:calc(100% + 6px);left:50%;
transform:translateX(-50%);white-space:nowrap;background:var(--tipbg);color:var(--tipfg);padding:.2rem .45rem;
border-radius:.25rem;font-size:.8rem;z-index:1;pointer-events:none}
.day:nth-child(-n+8):hover::after,.day:nth-child(-n+8):focus::after{left:0;transform:none}
.day:nth-last-child(-n+8):hover::after,.day:nth-last-child(-n+8):focus::after{left:auto;right:0;transform:none}
.legend{display:flex;justify-content:space-between;font-size:.8rem;color:var(--muted)}.narrow{display:none}
.notes{display:grid;gap:.75rem}.note{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--ndb);
border-radius:.5rem;padding:.75rem 1rem}.note.impact-minor{border-left-color:var(--degb)}
.note.impact-major,.note.impact-critical{border-left-color:var(--downb)}.note.maintenance{border-left-color:var(--mntb)}
.note.closed{border-left-color:var(--okb)}
.meta{margin:0;font-size:.85rem;color:var(--muted)}.updates{list-style:none;margin:.5rem 0 0;padding:0}
.updates li{margin:.5rem 0 0}.updates p{margin:.15rem 0 0;white-space:pre-line}
footer{margin-top:2rem;font-size:.85rem;color:var(--muted)}
@media (max-width:40rem){.day:nth-child(-n+60){display:none}.wide{display:none}.narrow{display:inline}
.day:nth-child(61):hover::after,.day:nth-child(61):focus::after{left:0;transform:none}}`;
