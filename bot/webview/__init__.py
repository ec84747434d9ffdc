"""The heads' web view under /web: sign-in from a chat link, the peta rawan, reports, verification, downloads, rakor."""

from __future__ import annotations

import logging
import math
import os
import secrets
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from bot.config import Settings
from bot.effects import queue_effects
from bot.runner import Runner
from bot.webview.common import Refused, SecurityHeaders, Viewer
from handlers import access, rawan_data, statuses, verification
from handlers.alerts import category_name
from handlers.localtime import local_time
from handlers.reports import normalise_number
from handlers.texts import CATALOGUE, t
from handlers.types import Ctx
from handlers.web import token_hash
from storage import audit, incidents, rakor, regions, web
from storage.models import IncidentReport, Officer, ReportStatus, Severity

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "siaga_web"
# A working day: a head signs in in the morning and is signed out by the evening.
SESSION_TTL = timedelta(hours=10)
PAGE_SIZE = 25
MAX_WINDOW_DAYS = 365
# Boundaries are simplified for the browser by this many degrees (about 100 m): a province stays under a megabyte.
SIMPLIFY_DEGREES = 0.001
# Photos shown in the page; every other attachment is sent as a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class WebView:
    """The routes of the web view, over the runner's sessions and clock."""

    def __init__(self, runner: Runner, settings: Settings) -> None:
        self.runner = runner
        self.settings = settings
        self.secure = (settings.public_base_url or "").startswith("https://")
        self._env: Any = None
        self._shapes: dict[str, Any] | None = None

    # -- plumbing ------------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """Return the one mount of the web view, its security headers around every route."""
        inner = Router(routes=[
            Route("/", self.map_page, methods=["GET"]),
            Route("/masuk", self.login_page, methods=["GET"]),
            Route("/masuk", self.login, methods=["POST"]),
            Route("/keluar", self.logout, methods=["POST"]),
            Route("/peta.geojson", self.map_data, methods=["GET"]),
            Route("/kecamatan/{code}", self.kecamatan_page, methods=["GET"]),
            Route("/laporan", self.reports_page, methods=["GET"]),
            Route("/laporan/{number}", self.report_page, methods=["GET"]),
            Route("/laporan/{number}/status", self.change_status, methods=["POST"]),
            Route("/lampiran/{id:int}", self.attachment, methods=["GET"]),
            Route("/unduh", self.downloads_page, methods=["GET"]),
            Route("/unduh/laporan.{fmt}", self.download_reports, methods=["GET"]),
            Route("/unduh/bulanan.pdf", self.download_monthly, methods=["GET"]),
            Route("/rakor", self.rakor_page, methods=["GET"]),
            Mount("/static", app=StaticFiles(directory=HERE / "static")),
        ], default=self.not_found)
        return [Mount("/web", app=SecurityHeaders(inner))]

    def env(self) -> Any:
        """The Jinja2 environment, built on first use (jinja2 stays out of `siaga`'s start)."""
        if self._env is None:
            import jinja2

            self._env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                           autoescape=True, undefined=jinja2.StrictUndefined)
        return self._env

    def render(self, template: str, lang: str, status: int = 200, viewer: Viewer | None = None,
               **context: Any) -> HTMLResponse:
        """Render a template in a language; `_` is the catalogue, every value is escaped."""
        def _(key: str, **params: Any) -> str:
            return t(key, lang, **params)

        flash = None
        if viewer is not None and viewer.row.flash:
            flash, viewer.row.flash = viewer.row.flash, None
        html = self.env().get_template(template).render(
            _=_, lang=lang, viewer=viewer, flash=flash, csrf=viewer.row.csrf if viewer else "",
            office=viewer.officer.office if viewer else None, **{"nav": None, **context})
        return HTMLResponse(html, status_code=status)

    def error_page(self, status: int, key: str, lang: str | None = None, **params: Any) -> HTMLResponse:
        lang = lang or self.settings.language
        return self.render("error.html", lang, status=status, message=t(key, lang, **params))

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.error_page(404, "web.error.not_found")(scope, receive, send)

    async def run(self, request: Request, work: Callable[[Viewer], Response], *, post: bool = False) -> Response:
        """Run a page for the signed-in head in one transaction; any other caller gets one clear refusal."""
        token = request.cookies.get(COOKIE)
        try:
            form = dict(await request.form()) if post else {}
        except Exception:  # a body that is no form (multipart garbage, a cut upload): nothing to act on
            return self.error_page(400, "web.error.bad_request", what="form")

        def transaction() -> Response:
            with self.runner.sessions.begin() as session:
                now = self.runner.clock()
                row = web.get_session(session, token_hash(token), now) if token else None
                if row is None or not access.allowed("web", row.officer.role):
                    return self.error_page(401, "web.error.signed_out")
                viewer = Viewer(session, row, row.officer, row.officer.language or self.settings.language, now)
                if post and not secrets.compare_digest(str(form.get("csrf", "")), row.csrf):
                    return self.error_page(403, "web.error.csrf", viewer.lang)
                try:
                    return work(viewer, **({"form": form} if post else {}))  # type: ignore[call-arg]
                except Refused as refused:
                    return self.render("error.html", viewer.lang, status=refused.status, viewer=viewer,
                                       message=t(refused.key, viewer.lang, **refused.params))

        try:
            return await self.runner.call(transaction)
        except Exception:
            # Never a traceback in the browser: the log has it.
            log.exception("web view: %s %s failed", request.method, request.url.path)
            return self.error_page(500, "web.error.internal")

    # -- signing in and out --------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        """Show the sign-in button for a valid link (a GET uses nothing: link previews must not spend it)."""
        token = request.query_params.get("t", "")

        def transaction() -> Response:
            with self.runner.sessions.begin() as session:
                state = web.login_state(session, token_hash(token), self.runner.clock()) if token else "unknown"
                if state != "ok":
                    return self.error_page(404 if state == "unknown" else 410, f"web.error.link_{state}")
                officer = web.login_officer(session, token_hash(token))
                lang = officer.language or self.settings.language
                return self.render("login.html", lang, token=token, name=officer.name or "-",
                                   office_name=officer.office.name)

        return await self._guarded(request, transaction)

    async def login(self, request: Request) -> Response:
        """Spend the link, open a session and set its cookie; audited."""
        try:
            token = str((await request.form()).get("t", ""))
        except Exception:  # not a form: the same page as an unknown link
            token = ""

        def transaction() -> Response:
            with self.runner.sessions.begin() as session:
                now = self.runner.clock()
                state = web.login_state(session, token_hash(token), now) if token else "unknown"
                officer_id = web.use_login(session, token_hash(token), now) if state == "ok" else None
                if officer_id is None:
                    return self.error_page(404 if state == "unknown" else 410,
                                           f"web.error.link_{'used' if state == 'ok' else state}")
                officer = session.get(Officer, officer_id)
                if officer is None or not officer.active or not access.allowed("web", officer.role):
                    return self.error_page(403, "web.error.signed_out")
                cookie = secrets.token_urlsafe(32)
                web.add_session(session, token_hash(cookie), officer.id, secrets.token_urlsafe(24), now,
                                now + SESSION_TTL)
                audit.add_audit(session, now, "web.login", actor_id=officer.id, subject=f"officer:{officer.id}",
                                channel="web")
                response = RedirectResponse("/web/", status_code=303)
                response.set_cookie(COOKIE, cookie, max_age=int(SESSION_TTL.total_seconds()), path="/web",
                                    httponly=True, secure=self.secure, samesite="strict")
                return response

        return await self._guarded(request, transaction)

    async def logout(self, request: Request) -> Response:
        def work(viewer: Viewer, form: dict[str, Any]) -> Response:
            web.end_session(viewer.session, viewer.row.token_hash)
            audit.add_audit(viewer.session, viewer.now, "web.logout", actor_id=viewer.officer.id,
                            subject=f"officer:{viewer.officer.id}", channel="web")
            response = self.render("error.html", viewer.lang, status=200, message=t("web.logged_out", viewer.lang))
            response.delete_cookie(COOKIE, path="/web", httponly=True, secure=self.secure, samesite="strict")
            return response

        return await self.run(request, work, post=True)

    async def _guarded(self, request: Request, transaction: Callable[[], Response]) -> Response:
        try:
            return await self.runner.call(transaction)
        except Exception:
            log.exception("web view: %s %s failed", request.method, request.url.path)
            return self.error_page(500, "web.error.internal")

    # -- the peta rawan ------------------------------------------------------------------------------

    def _window(self, viewer: Viewer, request: Request) -> tuple[int, datetime, datetime]:
        raw = request.query_params.get("hari", "")
        try:
            days = int(raw) if raw else rawan_data.DEFAULT_WINDOW.days
        except ValueError:
            raise Refused(400, "web.error.bad_request", what="hari") from None
        if not 1 <= days <= MAX_WINDOW_DAYS:
            raise Refused(400, "web.error.bad_request", what="hari")
        return days, viewer.now - timedelta(days=days), viewer.now

    async def map_page(self, request: Request) -> Response:
        def work(viewer: Viewer) -> Response:
            days, start, end = self._window(viewer, request)
            data = rawan_data.gather(viewer.session, viewer.officer.office, start, end)
            waiting = web.count_reports(viewer.session, viewer.scope, web.ReportFilter(status=ReportStatus.BARU))
            return self.render("map.html", viewer.lang, viewer=viewer, data=data, days=days, waiting=waiting,
                               period=rawan_data.period_text(data, viewer.lang), nav="map",
                               band=lambda s: t(f"rawan.band.{s.band or 'none'}", viewer.lang))

        return await self.run(request, work)

    def shapes(self) -> dict[str, Any]:
        """Kecamatan and kab/kota outlines simplified for the browser, as GeoJSON geometries by code (made once)."""
        if self._shapes is None:
            import shapely
            from shapely.geometry import mapping

            from storage import geo

            self._shapes = {
                code: mapping(shapely.orient_polygons(
                    shapely.simplify(b.geometry, SIMPLIFY_DEGREES, preserve_topology=True), exterior_cw=False))
                for layer in (geo.kecamatan_boundaries(), geo.kabkota_boundaries()) for code, b in layer.items()}
        return self._shapes

    async def map_data(self, request: Request) -> Response:
        """The choropleth's data: each kecamatan of the jurisdiction, its outline, score, band and counts."""
        def work(viewer: Viewer) -> Response:
            from handlers.rawan_map import BAND_COLOURS, NO_OFFICE, NO_OFFICE_HATCH, NO_REPORTS, NO_REPORTS_HATCH

            days, start, end = self._window(viewer, request)
            scores = rawan_data.vulnerability(viewer.session, viewer.scope, start, end)
            shapes = self.shapes()
            features = []
            for rank, s in enumerate(scores, start=1):
                if s.code not in shapes:
                    continue
                heard = s.score is not None
                # As on the printed map: a band's colour, else grey hatching ("tanpa laporan", or no office there).
                pattern = None if s.band else ("no-reports" if s.office else "no-office")
                colour, hatch = ((BAND_COLOURS[s.band], None) if s.band else
                                 (NO_REPORTS, NO_REPORTS_HATCH) if s.office else (NO_OFFICE, NO_OFFICE_HATCH))
                features.append({"type": "Feature", "geometry": shapes[s.code], "properties": {
                    "code": s.code, "name": s.name, "kabkota": s.kabkota, "rank": rank if heard else None,
                    "score": s.shown if heard else None, "band": s.band,
                    "band_label": t(f"rawan.band.{s.band or 'none'}", viewer.lang), "reports": s.reports,
                    "colour": colour, "pattern": pattern, "hatch": hatch,
                    "url": f"/web/kecamatan/{s.code}?hari={days}"}})
            # The kab/kota borders over the kecamatan, as on the printed map: where one regency ends.
            kabkota = sorted({s.kabkota_code for s in scores})
            features += [{"type": "Feature", "geometry": shapes[code], "properties": {"code": code, "outline": True}}
                         for code in kabkota if code in shapes]
            return JSONResponse({"type": "FeatureCollection", "features": features})

        return await self.run(request, work)

    async def kecamatan_page(self, request: Request) -> Response:
        def work(viewer: Viewer) -> Response:
            code = request.path_params["code"]
            if not viewer.sees(code):
                raise viewer.refuse(f"kecamatan:{code}")
            found = regions.find_kecamatan(viewer.session, [viewer.scope], code=code, limit=1)
            if not found:
                raise viewer.refuse(f"kecamatan:{code}")
            region, kabkota = found[0]
            days, start, end = self._window(viewer, request)
            data = rawan_data.gather(viewer.session, viewer.officer.office, start, end)
            score = next(s for s in data.scores if s.code == code)
            explanation = rawan_data.explain(viewer.session, code, region.name, start, end, viewer.lang)
            numbers = [r.number for e in explanation.events for r in e.reports]
            reports = [r for r in (incidents.get_report_by_number(viewer.session, n) for n in numbers) if r]
            reports.sort(key=lambda r: r.occurred_at, reverse=True)
            return self.render(
                "kecamatan.html", viewer.lang, viewer=viewer, region=region, kabkota=kabkota, score=score,
                days=days, period=rawan_data.period_text(data, viewer.lang), nav="map",
                lines=rawan_data.explanation_lines(explanation, viewer.tz, viewer.lang) if explanation.events else [],
                rows=[self._row(viewer)(r) for r in reports])

        return await self.run(request, work)

    # -- reports -------------------------------------------------------------------------------------

    def _row(self, viewer: Viewer) -> Callable[[IncidentReport], dict[str, str]]:
        def row(report: IncidentReport) -> dict[str, str]:
            return {"number": report.number, "created": local_time(report.created_at, viewer.tz, "%d/%m/%Y %H:%M"),
                    "category": category_name(report, viewer.lang), "kecamatan": report.kecamatan.name,
                    "severity": t(f"severity.{report.severity.value}", viewer.lang),
                    "severity_code": report.severity.value, "status_code": report.status.value,
                    "status": t(f"status.{report.status.value}", viewer.lang)}
        return row

    def _local_day(self, viewer: Viewer, raw: str, name: str) -> datetime | None:
        if not raw:
            return None
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise Refused(400, "web.error.bad_request", what=name) from None
        return datetime.combine(day, time(0), ZoneInfo(viewer.tz)).astimezone(UTC)

    async def reports_page(self, request: Request) -> Response:
        def work(viewer: Viewer) -> Response:
            q = request.query_params
            session = viewer.session
            kecamatan = regions.find_kecamatan(session, [viewer.scope], limit=10_000)
            kabkota = sorted({(r.parent_code, name) for r, name in kecamatan if r.parent_code}, key=lambda k: k[1])
            categories = incidents.list_categories(session)
            for name in ("kabkota", "kecamatan"):
                if q.get(name) and not viewer.sees(q[name]):
                    raise viewer.refuse(f"{name}:{q[name]}")
            last = self._local_day(viewer, q.get("sampai", ""), "sampai")
            try:
                where = web.ReportFilter(
                    kabkota_code=q.get("kabkota") or None, kecamatan_code=q.get("kecamatan") or None,
                    category_id=int(q["kategori"]) if q.get("kategori") else None,
                    severity=Severity(q["keparahan"]) if q.get("keparahan") else None,
                    status=ReportStatus(q["status"]) if q.get("status") else None,
                    since=self._local_day(viewer, q.get("dari", ""), "dari"),
                    until=last + timedelta(days=1) if last else None,  # "until" a day includes that day
                )
                page = max(1, int(q.get("halaman") or 1))
            except ValueError:
                raise Refused(400, "web.error.bad_request", what="filter") from None
            found, total = web.page_reports(session, viewer.scope, where, (page - 1) * PAGE_SIZE, PAGE_SIZE)
            pages = max(1, math.ceil(total / PAGE_SIZE))
            kept = {k: v for k, v in q.items() if v and k != "halaman"}

            def page_url(n: int) -> str:
                return "/web/laporan?" + urlencode({**kept, "halaman": n})

            return self.render(
                "reports.html", viewer.lang, viewer=viewer, nav="reports", q=q,
                reports=[self._row(viewer)(r) for r in found],
                total=total, page=page, pages=pages, page_url=page_url, kabkota=kabkota,
                kecamatan=[(r.code, r.name, name) for r, name in kecamatan],
                categories=[(c.id, c.name_en if viewer.lang == "en" else c.name_id) for c in categories],
                severities=[(s.value, t(f"severity.{s.value}", viewer.lang)) for s in Severity],
                statuses=[(s.value, t(f"status.{s.value}", viewer.lang)) for s in ReportStatus])

        return await self.run(request, work)

    def _report(self, viewer: Viewer, number: str) -> IncidentReport:
        """Return a report of the jurisdiction, or refuse (not found and not yours look the same)."""
        normal = normalise_number(number)
        report = incidents.get_report_by_number(viewer.session, normal) if normal else None
        if report is None or not viewer.sees(report.kecamatan_code):
            raise viewer.refuse(f"report:{number}")
        return report

    async def report_page(self, request: Request) -> Response:
        def work(viewer: Viewer) -> Response:
            report = self._report(viewer, request.path_params["number"])
            session, lang, tz = viewer.session, viewer.lang, viewer.tz
            audit.add_audit(session, viewer.now, "report.viewed", actor_id=viewer.officer.id,
                            subject=f"report:{report.id}", channel="web")
            changes = [{"when": local_time(c.at, tz, "%d/%m/%Y %H:%M"), "by": c.actor.name or "-", "reason": c.reason,
                        "from_": t(f"status.{c.from_status.value}", lang), "to": t(f"status.{c.to_status.value}", lang)}
                       for c in incidents.list_status_changes(session, report.id)]
            trail = [{"when": local_time(e.at, tz, "%d/%m/%Y %H:%M"), "by": name or "-",
                      "what": t(f"web.audit.{e.action}", lang) if f"web.audit.{e.action}" in CATALOGUE
                      else t("web.audit.other", lang, action=e.action),
                      "detail": " → ".join(str(e.detail[k]) for k in ("from_status", "to_status") if k in e.detail),
                      "channel": e.detail.get("channel", "")}
                     for e, name in web.list_audit_of(session, f"report:{report.id}")]
            can_verify = viewer.officer.role in access.VERIFIERS
            nexts = statuses.next_statuses(report.status) if can_verify else ()
            fields = [
                (t("incident.category.field", lang), category_name(report, lang)),
                (t("incident.kecamatan.field", lang), f"{report.kecamatan.name} ({report.kecamatan_code})"),
                (t("incident.place.field", lang), report.place),
                (t("incident.occurred_at.field", lang), local_time(report.occurred_at, tz)),
                (t("incident.description.field", lang), report.description),
                (t("incident.actors.field", lang), report.actors),
                (t("incident.crowd_size.field", lang),
                 str(report.crowd_size) if report.crowd_size is not None else (report.crowd_size_text or "-")),
                (t("incident.severity.field", lang), t(f"severity.{report.severity.value}", lang)),
                (t("incident.action_taken.field", lang), report.action_taken),
            ]
            if report.latitude is not None and report.longitude is not None:
                fields.append((t("incident.location.field", lang), f"{report.latitude:.5f}, {report.longitude:.5f}"))
            fields += [
                (t("web.report.reporter", lang), report.reporter.name or "-"),
                (t("web.report.office", lang), report.office.name),
                (t("web.report.received", lang), local_time(report.created_at, tz)),
                (t("web.report.channel", lang), report.channel),
            ]
            return self.render(
                "report.html", viewer.lang, viewer=viewer, nav="reports", report=report, fields=fields,
                status_label=t(f"status.{report.status.value}", lang), changes=changes, trail=trail,
                photos=[a for a in report.attachments if a.stored_path],
                missing=sum(1 for a in report.attachments if not a.stored_path),
                moves=[(s.value, t(f"status.{s.value}", lang)) for s in nexts if s is not ReportStatus.DITOLAK],
                can_reject=ReportStatus.DITOLAK in nexts, can_verify=can_verify)

        return await self.run(request, work)

    async def change_status(self, request: Request) -> Response:
        """Move a report as the chat buttons do: the same rules, the same audit, the same notice to the reporter."""
        def work(viewer: Viewer, form: dict[str, Any]) -> Response:
            report = self._report(viewer, request.path_params["number"])
            if viewer.officer.role not in access.VERIFIERS:
                raise viewer.refuse(f"status:{report.number}")
            try:
                new = ReportStatus(str(form.get("status", "")))
            except ValueError:
                raise Refused(400, "web.error.bad_request", what="status") from None
            reason = " ".join(str(form.get("reason", "")).split()) or None
            if new is ReportStatus.DITOLAK and (reason is None or len(reason) < 5 or len(reason) > 500):
                viewer.row.flash = t("web.verify.reason_needed", viewer.lang)
                return RedirectResponse(f"/web/laporan/{report.number}", status_code=303)
            ctx = Ctx(session=viewer.session, now=viewer.now, lang=viewer.lang, channel="web",
                      address=f"officer:{viewer.officer.id}", officer=viewer.officer)
            replies = verification.apply_status(report, new, reason if new is ReportStatus.DITOLAK else None, ctx)
            if ctx.effects:
                queue_effects(viewer.session, ctx.effects, viewer.now, self.settings, self.runner.delivery)
            viewer.row.flash = "\n".join(r.text for r in replies)
            return RedirectResponse(f"/web/laporan/{report.number}", status_code=303)

        response = await self.run(request, work, post=True)
        if response.status_code == 303:
            self.runner.wake()  # the reporter's notice waits in the outbox
        return response

    async def attachment(self, request: Request) -> Response:
        """Serve a report's photo or document to a head of its jurisdiction, from the stored copy only."""
        def work(viewer: Viewer) -> Response:
            found = web.get_attachment(viewer.session, request.path_params["id"])
            report = viewer.session.get(IncidentReport, found.report_id) if found else None
            if found is None or report is None or not viewer.sees(report.kecamatan_code) or not found.stored_path:
                raise viewer.refuse(f"attachment:{request.path_params['id']}")
            path = Path(found.stored_path)
            if not path.is_file():
                raise Refused(404, "web.error.not_found")
            if found.content_type in INLINE_TYPES:
                return FileResponse(path, media_type=found.content_type)
            # Anything else an officer sent (HTML, SVG, a script...) is downloaded, never shown on our origin.
            return FileResponse(path, media_type="application/octet-stream", filename=path.name)

        return await self.run(request, work)

    # -- downloads -----------------------------------------------------------------------------------

    async def downloads_page(self, request: Request) -> Response:
        def work(viewer: Viewer) -> Response:
            local = viewer.now.astimezone(ZoneInfo(viewer.tz))
            first = local.date().replace(day=1)
            return self.render("downloads.html", viewer.lang, viewer=viewer, nav="downloads",
                               date_from=first.isoformat(), date_to=local.date().isoformat(),
                               month=rawan_data.previous_month(local), this_month=f"{local:%Y-%m}")

        return await self.run(request, work)

    def _file(self, suffix: str) -> Path:
        folder = self.settings.attachments_dir.resolve() / "generated"
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(suffix=suffix, dir=folder)
        os.close(handle)
        return Path(name)

    async def download_reports(self, request: Request) -> Response:
        """The CSV, XLSX or GeoJSON export of the chosen dates, as `siaga export` writes it; audited."""
        def work(viewer: Viewer) -> Response:
            from bot import export
            from storage import rawan as rawan_store

            fmt = request.path_params["fmt"]
            if fmt not in export.FORMATS:
                raise Refused(404, "web.error.not_found")
            q = request.query_params
            start = self._local_day(viewer, q.get("dari", ""), "dari")
            last = self._local_day(viewer, q.get("sampai", ""), "sampai")
            if start is None or last is None or last < start:
                raise Refused(400, "web.error.bad_request", what="dari/sampai")
            end = last + timedelta(days=1)
            path = self._file(f".{fmt}")
            with open(path, "wb" if fmt == "xlsx" else "w", **({} if fmt == "xlsx" else {"encoding": "utf-8",
                                                                                           "newline": ""})) as out:
                count = export.write_reports(rawan_store.iter_export(viewer.session, viewer.scope, start, end), fmt,
                                             out, lang=viewer.lang, tz=viewer.tz)
            audit.add_audit(viewer.session, viewer.now, "reports.exported", actor_id=viewer.officer.id,
                            subject=f"office:{viewer.officer.office_id}", format=fmt, count=count,
                            date_from=q["dari"], date_to=q["sampai"], channel="web")
            name = f"siaga-{viewer.scope}-{q['dari']}-{q['sampai']}.{fmt}"
            return FileResponse(path, filename=name, background=BackgroundTask(path.unlink, missing_ok=True))

        return await self.run(request, work)

    async def download_monthly(self, request: Request) -> Response:
        """The monthly naskah dinas PDF of a month, as the scheduler sends it; audited."""
        def work(viewer: Viewer) -> Response:
            from handlers.monthly_report import gather
            from handlers.monthly_report_pdf import write_report

            month = request.query_params.get("bulan", "")
            try:
                report = gather(viewer.session, viewer.officer.office, month, viewer.now)
            except ValueError:
                raise Refused(400, "web.error.bad_request", what="bulan") from None
            path = self._file(".pdf")
            write_report(report, viewer.lang, path)
            audit.add_audit(viewer.session, viewer.now, "report.monthly.downloaded", actor_id=viewer.officer.id,
                            subject=f"office:{viewer.officer.office_id}", month=month, channel="web")
            return FileResponse(path, filename=f"siaga-{viewer.scope}-{month}.pdf", media_type="application/pdf",
                                background=BackgroundTask(path.unlink, missing_ok=True))

        return await self.run(request, work)

    # -- rakor ---------------------------------------------------------------------------------------

    async def rakor_page(self, request: Request) -> Response:
        def work(viewer: Viewer) -> Response:
            lang, tz = viewer.lang, viewer.tz
            today = viewer.now.astimezone(ZoneInfo(tz)).date()
            meetings = []
            for r in rakor.list_rakor(viewer.session, region_code=viewer.scope, after=viewer.now):
                answers = []
                for i in r.invitees:
                    key = f"web.rakor.rsvp.{i.rsvp.value if i.rsvp else 'none'}"
                    answers.append((i.officer.name or "-", t(key, lang, deputy=i.deputy or "-"),
                                    i.rsvp.value if i.rsvp else "none"))
                meetings.append({"id": r.id, "title": r.title, "office": r.office.name, "agenda": r.agenda,
                                 "when": t("web.rakor.when", lang, when=local_time(r.starts_at, r.office.tz),
                                           place=r.place or "-"), "answers": answers})
            agreements = []
            for a in rakor.list_agreements(viewer.session, region_code=viewer.scope):
                owner = (a.owner_officer.name if a.owner_officer else None) or (
                    a.owner_office.name if a.owner_office else None) or a.owner_institution or "-"
                overdue = a.due_on is not None and a.due_on < today
                agreements.append({"text": a.text, "owner": owner, "minutes": a.report.number,
                                   "due": a.due_on.strftime("%d/%m/%Y") if a.due_on else t("web.rakor.undated", lang),
                                   "overdue": overdue})
            agreements.sort(key=lambda a: not a["overdue"])  # stable: overdue first, each part by due date
            return self.render("rakor.html", lang, viewer=viewer, nav="rakor", meetings=meetings,
                               agreements=agreements)

        return await self.run(request, work)

