"""Flask extensions, created unbound and bound in the factory."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
migrate = Migrate()
login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = "ログインしてください。"
# Rate limits per client IP. The storage is chosen in the factory: Redis when REDIS_URL is set,
# memory otherwise; if Redis goes away, limits fall back to memory rather than failing requests.
limiter = Limiter(
    key_func=get_remote_address, default_limits=[], headers_enabled=True, swallow_errors=True,
    in_memory_fallback_enabled=True,
)
