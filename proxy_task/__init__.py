"""proxy_task"""
