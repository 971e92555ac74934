"""Thin views: upload a file, see its check (dry run), import it, follow the progress."""
from __future__ import annotations

from urllib.parse import quote

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from models import IMPORT_KINDS, ImportJob, db
from voices.exports import csv_content_type
from voices.importers.columns import COLUMNS, template_csv, template_xlsx
from voices.importers.encoding import ENCODING_LABELS
from voices.importers.reader import ImportFileError
from voices.importers.report import import_report
from voices.importers.service import ImportRefused, enqueue, register_upload
from web.auth import roles_required
from web.extensions import csrf
from web.imports import IMPORT_ROLES, bp


def _visible_imports():
    query = select(ImportJob).order_by(ImportJob.id.desc())
    if current_user.role not in ("admin", "hearing"):
        query = query.where(ImportJob.created_by_id == current_user.id)
    return query


def _job_or_404(import_id: int) -> ImportJob:
    job = db.session.scalar(_visible_imports().where(ImportJob.id == import_id))
    if job is None:
        abort(404)
    return job


@bp.get("/")
@roles_required(*IMPORT_ROLES)
def index():
    jobs = db.session.scalars(_visible_imports().limit(30)).all()
    return render_template("imports/index.html", jobs=jobs, kinds=IMPORT_KINDS, columns=COLUMNS,
                           form=FlaskForm(), error=None, max_mb=current_app.config["IMPORT_MAX_BYTES"] // 2**20)


@bp.post("/")
@csrf.exempt  # checked below, after the larger upload limit is in place
@roles_required(*IMPORT_ROLES)
def upload():
    """Store the file and check it (as a job: in-process on the embedded default, RQ with Redis)."""
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    csrf.protect()
    kind = request.form.get("kind", "")
    file = request.files.get("file")
    error = None
    if kind not in IMPORT_KINDS:
        error = "取り込む内容（会合の発言／市民の声）を選んでください。"
    elif file is None or not file.filename:
        error = "ファイルを選んでください。"
    if error is None:
        try:
            job = register_upload(file.stream, file.filename, kind, current_user)
        except ImportFileError as problem:
            error = str(problem)
        else:
            enqueue(job, "check")
            return redirect(url_for("imports.show", import_id=job.id), code=303)
    jobs = db.session.scalars(_visible_imports().limit(30)).all()
    return render_template("imports/index.html", jobs=jobs, kinds=IMPORT_KINDS, columns=COLUMNS,
                           form=FlaskForm(), error=error,
                           max_mb=current_app.config["IMPORT_MAX_BYTES"] // 2**20), 422


@bp.get("/<int:import_id>")
@roles_required(*IMPORT_ROLES)
def show(import_id: int):
    job = _job_or_404(import_id)
    return render_template("imports/show.html", job=job, form=FlaskForm(), report=import_report(job),
                           encoding_label=ENCODING_LABELS.get(job.encoding, ""))


@bp.get("/<int:import_id>/progress")
@roles_required(*IMPORT_ROLES)
def progress(import_id: int):
    """The state of an import for the progress bar (read from the database row, not from Redis)."""
    job = _job_or_404(import_id)
    return jsonify(state=job.state, state_label=job.state_label, percent=job.percent,
                   processed_rows=job.processed_rows, total_rows=job.total_rows, imported_rows=job.imported_rows,
                   duplicate_rows=job.duplicate_rows,
                   finished=job.state in ("checked", "done", "refused", "failed"))


@bp.post("/<int:import_id>/import")
@roles_required(*IMPORT_ROLES)
def start(import_id: int):
    job = _job_or_404(import_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    only_good = request.form.get("only_good_rows") == "y"
    past_records = request.form.get("as_finished") == "y"
    try:
        enqueue(job, "import", only_good_rows=only_good, as_finished=past_records)
    except ImportRefused as problem:
        flash(str(problem))
    return redirect(url_for("imports.show", import_id=job.id), code=303)


@bp.get("/template/<kind>.<fmt>")
@roles_required(*IMPORT_ROLES)
def template(kind: str, fmt: str):
    if kind not in IMPORT_KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    names = {"meeting": "会合発言_取込テンプレート", "voices": "市民の声_取込テンプレート"}
    if fmt == "csv":
        data, content_type = template_csv(kind), csv_content_type()
    else:
        data, content_type = template_xlsx(kind), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = current_app.response_class(data, content_type=content_type)
    filename = f"{names[kind]}.{fmt}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{kind}-template.{fmt}\"; filename*=UTF-8''{quote(filename)}")
    return response
