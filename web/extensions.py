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
# Rate limits per client IP. The storage is chosen in the factory: Redis when REDIS_URL is set (1 s
# socket timeouts), memory otherwise. What the two options do (read in Flask-Limiter 4.1's
# _extension.py, and measured against a stopped redis-server): at the first storage error the limiter
# marks Redis dead and checks the same limits in this process's memory (in_memory_fallback_enabled;
# counts start afresh there, per process). It pings Redis again only on a back-off, 1, 2, 4, 8, 16
# and 32 s after its last ping and then from 1 s again, so a hung Redis costs one request a 1 s
# timeout per step (about seven a minute), not every request, and a flood is still refused.
# swallow_errors lets a request through (the error logged) if the limiter fails even so.
limiter = Limiter(
    key_func=get_remote_address, default_limits=[], headers_enabled=True, swallow_errors=True,
    in_memory_fallback_enabled=True,
)
