"""Flask extensions, created unbound and bound in the factory."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
migrate = Migrate()
login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = "ログインしてください。"
