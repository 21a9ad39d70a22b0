"""proxy_task/backbones"""
