"""The floor for bench_viewers.py: a bare Streamlit page with two Plotly charts, nothing else.

Served exactly as the dashboard is (same `streamlit run`, same config), so the ratio measures
what the dashboard adds per viewer over Streamlit's own cost for a page of this shape.
"""
import plotly.graph_objects as go
import streamlit as st

st.title("Bare page")
categories = [f"Unit {i}" for i in range(8)]
st.plotly_chart(go.Figure(go.Bar(x=categories, y=list(range(8)))), width="stretch")
st.plotly_chart(go.Figure(go.Scatter(x=list(range(24)), y=[i % 7 for i in range(24)])),
                width="stretch")
